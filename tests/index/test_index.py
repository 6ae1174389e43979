"""The search index (bois.index) against the platform it follows.

The oracle is the chain itself: after a mixed history of every kind of event, the index
must answer every search (page by page, cursors included) exactly like the OfferSearch
lens, and read firms, offers and agreements (effective states too) like the views.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path
from typing import Any, Iterator

import pytest

from bois import errors
from bois.chain_platform import ChainPlatform, OfferSpec
from bois.index import (
    ChainEventSource,
    FastEventDecoder,
    IndexCorruptError,
    IndexedSearch,
    IndexMismatchError,
    IndexReorgError,
    OfferIndex,
    SourceRange,
    indexed,
)
from bois.platform import search_all
from bois.types import AgreementState, EnergyForm, FirmStatus, OfferQuery

FORMS = list(EnergyForm)
LONG = 10**6
XMAX, XMIN = 2**31 - 1, -(2**31)


class Park:
    """A small park driven through every platform action, with a seeded RNG."""

    def __init__(self, p: ChainPlatform, seed: int = 7) -> None:
        self.p = p
        self.rng = random.Random(seed)
        self.firms: dict[int, str] = {}  # firm id -> account
        self.offers: list[int] = []
        self.agreements: list[int] = []

    def register(self, n: int) -> None:
        p, rng = self.p, self.rng
        spots = [(0, 0), (XMAX, XMAX), (XMIN, XMIN), (XMAX, XMIN)]
        for i in range(n):
            acct = p.new_account()
            x, y = spots[i] if i < len(spots) else (rng.randint(-3000, 3000), rng.randint(-3000, 3000))
            supplies = rng.sample(FORMS, rng.randint(2, 5))
            fid = p.register_firm(acct, f"firm {len(self.firms) + 1}", rng.randint(0, 9), x, y, supplies, [EnergyForm.STEAM])
            self.firms[fid] = acct

    def supplies(self, fid: int) -> list[EnergyForm]:
        return sorted(self.p.firm(fid).supplies)

    def post(self, per_firm: int) -> None:
        p, rng = self.p, self.rng
        for fid, acct in self.firms.items():
            if p.firm(fid).status not in (FirmStatus.OPERATING, FirmStatus.RECOVERED):
                continue
            specs = []
            for _ in range(per_firm):
                q = rng.choice([1, 5, 50, 500, 5_000, 2**64 - 1])
                t = rng.choice([-32768, 0, 25, 90, 180, 400, 32767])
                valid = p.now() + rng.choice([40, LONG, LONG])  # some expire soon
                specs.append(OfferSpec(rng.choice(self.supplies(fid)), q, t, rng.randint(0, 2**40 - 1), valid, rng.random() < 0.3))
            if rng.random() < 0.5:
                self.offers += p.post_offers(acct, specs)
            else:
                for s in specs:
                    self.offers.append(p.post_offer(acct, EnergyForm(s.form), s.quantity, s.temperature_c, s.price, s.valid_until, s.auto_accept))

    def _try(self, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except errors.ContractError:
            return None

    def churn(self, rounds: int) -> None:
        """Updates, withdrawals, agreements (every path), deliveries, disruptions, time."""
        p, rng = self.p, self.rng
        ids = list(self.firms)
        for _ in range(rounds):
            oid = rng.choice(self.offers)
            o = p.offer(oid)
            owner = self.firms[o.supplier_id]
            consumer_id = rng.choice([f for f in ids if f != o.supplier_id])
            consumer = self.firms[consumer_id]
            r = rng.random()
            if r < 0.15:
                q = max(o.reserved, 1) + rng.choice([0, 3, 1000])
                self._try(p.update_offer, owner, oid, q, rng.randint(-100, 500), rng.randint(0, 10**6), p.now() + LONG)
            elif r < 0.22:
                self._try(p.withdraw_offer, owner, oid)
            elif r < 0.70:
                want = max(1, min(o.remaining, rng.choice([1, 2, 10, 100])))
                aid = self._try(p.propose_agreement, consumer, oid, want, rng.choice([30, 3600, LONG]))
                if aid is None:
                    continue
                self.agreements.append(aid)
                if p.agreement(aid).state == AgreementState.PROPOSED:
                    choice = rng.random()
                    if choice < 0.6:
                        self._try(p.accept_agreement, owner, aid)
                    elif choice < 0.8:
                        self._try(p.reject_agreement, owner, aid)
                    else:
                        self._try(p.terminate_agreement, consumer, aid)
            elif r < 0.80 and self.agreements:
                aid = rng.choice(self.agreements)
                a = p.agreement(aid)
                who = self.firms[rng.choice([a.supplier_id, a.consumer_id])]
                self._try(p.terminate_agreement, who, aid)
            elif r < 0.86 and self.agreements:
                aid = rng.choice(self.agreements)
                a = p.agreement(aid)
                self._try(p.record_delivery, self.firms[a.consumer_id], aid, rng.randint(1, 100))
                self._try(p.close_agreement, p.admin, aid)
            elif r < 0.95:
                fid = rng.choice(ids)
                status = p.firm(fid).status
                nxt = {
                    FirmStatus.OPERATING: FirmStatus.DISRUPTED,
                    FirmStatus.DISRUPTED: FirmStatus.RECOVERED,
                    FirmStatus.RECOVERED: rng.choice([FirmStatus.DISRUPTED, FirmStatus.OPERATING]),
                }.get(status)
                if nxt is not None:
                    self._try(p.report_status, self.firms[fid], fid, nxt)
            else:
                p.advance_time(rng.choice([1, 20, 60]))

    def leave_one(self) -> int | None:
        """A firm without live agreements leaves; its account registers a new firm."""
        for fid, acct in list(self.firms.items()):
            f = self.p.firm(fid)
            if f.live_agreements == 0 and f.status != FirmStatus.LEFT and any(
                self.p.offer(o).supplier_id == fid for o in self.offers
            ):
                self.p.leave_registry(acct)
                new = self.p.register_firm(acct, f"again {fid}", 1, 10, 10, [EnergyForm.STEAM], [])
                self.firms[new] = acct
                return fid
        return None


def queries(rng: random.Random, n: int) -> Iterator[OfferQuery]:
    yield OfferQuery(EnergyForm.STEAM)
    yield OfferQuery(EnergyForm.ELECTRICITY, min_quantity=2**64 - 1)
    yield OfferQuery(EnergyForm.DISTRICT_HEAT, max_distance_m=2**64 - 1, x_m=XMIN, y_m=XMAX)
    yield OfferQuery(EnergyForm.WASTE_HEAT, min_quantity=0, min_temperature_c=32767)
    for _ in range(n):
        yield OfferQuery(
            form=rng.choice(FORMS),
            min_quantity=rng.choice([0, 1, 1, 2, 10, 100, 5_000, 2**63, 2**64 - 1]),
            min_temperature_c=rng.choice([-32768, -32768, 0, 90, 180, 32767]),
            max_distance_m=rng.choice([0, 0, 0, 1, 500, 2_000, 5_000, 2**32, 2**40]),
            x_m=rng.choice([0, 100, -2500, XMAX, XMIN]),
            y_m=rng.choice([0, -100, 2500, XMAX, XMIN]),
        )


def assert_same_search(index: OfferIndex, p: ChainPlatform, n_queries: int = 30, seed: int = 1) -> int:
    """Queries equal on the index and the lens: whole result, first pages, odd cursors. Returns matches seen.

    (A view call costs ~0.2 s on eth-tester, so long page walks are checked against the
    full result and the cursor rule instead of page by page on the chain.)
    """
    now = p.now()
    assert index.last_timestamp == now and index.last_block == p.chain.block_number()
    count = p.offer_count()
    rng = random.Random(seed)
    seen = 0
    for q in queries(rng, n_queries):
        full = list(search_all(p, q, page_size=200))
        assert index.search_all(q) == full
        assert index.search_all(q, now=now) == full
        seen += len(full)
        for limit, pages in ((1, 3), (3, 2), (200, 1), (0, 1), (1000, 1)):  # 0 and 1000 are clamped
            cursor = 0
            for _ in range(pages):
                theirs = p.search_offers(q, cursor, limit)
                assert index.search_offers(q, cursor, limit, now=now) == theirs, (q, cursor, limit)
                if theirs.next_cursor == 0:
                    break
                cursor = theirs.next_cursor
        for cursor in (rng.randint(2, count), count + 1, 2**255):
            assert index.search_offers(q, cursor, 5) == p.search_offers(q, cursor, 5), (q, cursor)
        for limit in (1, 2, 5):  # whole walks: pages concatenate to the full result, cursor rule holds
            got, cursor = [], 0
            while True:
                page = index.search_offers(q, cursor, limit)
                got += page.matches
                if page.matches and len(page.matches) == limit:
                    after = page.matches[-1].offer.offer_id + 1
                    assert page.next_cursor == (after if after <= count else 0)
                else:
                    assert page.next_cursor == 0
                if page.next_cursor == 0:
                    break
                cursor = page.next_cursor
            assert got == full
    return seen


def assert_same_records(index: OfferIndex, p: ChainPlatform) -> None:
    assert (index.firm_count(), index.offer_count(), index.agreement_count()) == (
        p.firm_count(),
        p.offer_count(),
        p.agreement_count(),
    )
    for fid in range(1, p.firm_count() + 1):
        assert index.firm(fid) == p.firm(fid)
    for oid in range(1, p.offer_count() + 1):
        assert index.offer(oid) == p.offer(oid)
    for aid in range(1, p.agreement_count() + 1):
        assert index.agreement(aid) == p.agreement(aid)


def dump(db_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = sqlite3.connect(db_path)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in ("meta", "firms", "offers", "agreements")}
    finally:
        con.close()


class CountingSource(ChainEventSource):
    """Records every block range read and can fail at a chosen read."""

    fail_on_read: int | None = None

    def read(self, first: int, last: int) -> SourceRange:
        if self.fail_on_read is not None and len(self.ranges) == self.fail_on_read:
            raise ConnectionError("node went away")
        return super().read(first, last)


# ----- fixtures --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def park() -> Park:
    p = ChainPlatform.embedded()
    park = Park(p)
    park.register(14)
    park.post(5)
    park.churn(120)
    assert park.leave_one() is not None
    park.post(1)
    park.churn(60)
    p.advance_time(50)  # the short offers expire, and so do the 30 s agreements
    park.churn(40)
    disrupted = [f for f in park.firms if p.firm(f).status == FirmStatus.DISRUPTED]
    for fid in disrupted[1:]:  # all but one recover: more offers can match
        p.report_status(park.firms[fid], fid, FirmStatus.RECOVERED)
    park.post(3)
    return park


@pytest.fixture
def p(park: Park) -> Iterator[ChainPlatform]:
    snap = park.p.snapshot()
    try:
        yield park.p
    finally:
        park.p.revert(snap)


# ----- tests -------------------------------------------------------------------------------------
def test_history_covers_every_event(park: Park) -> None:
    """The scenario is worth comparing: every event kind and every effective state occur."""
    p = park.p
    src = ChainEventSource.of(p)
    names = {e.name for blk in src.read(src.start_block, p.chain.block_number()).blocks for _, e in blk.events}
    assert names >= {
        "FirmRegistered", "FirmStatusReported", "FirmLeft", "OfferPosted", "OfferUpdated", "OfferWithdrawn",
        "AgreementProposed", "AgreementAccepted", "AgreementRejected", "AgreementTerminated",
        "AgreementClosed", "DeliveryRecorded",
    }
    states = {p.agreement(a).state for a in range(1, p.agreement_count() + 1)}
    assert {AgreementState.ACTIVE, AgreementState.EXPIRED, AgreementState.CLOSED, AgreementState.TERMINATED} <= states
    statuses = {p.firm(f).status for f in range(1, p.firm_count() + 1)}
    assert FirmStatus.LEFT in statuses and FirmStatus.DISRUPTED in statuses


def test_fast_decoder_equals_the_codec(park: Park) -> None:
    p = park.p
    fast = FastEventDecoder(p.codec)
    assert {"OfferPosted", "AgreementAccepted", "FirmStatusReported", "FirmLeft"} <= {n for n, _ in fast.plans.values()}
    evm = p.chain.backend.chain  # type: ignore[attr-defined]
    n = 0
    for b in range(p.deployment.block, p.chain.block_number() + 1):
        for receipt in evm.get_canonical_block_by_number(b).get_receipts(evm.chaindb):
            for log in receipt.logs:
                topics = tuple(t.to_bytes(32, "big") for t in log.topics)
                assert fast.decode(topics, bytes(log.data)) == p.codec.decode_log(topics, bytes(log.data))
                n += 1
    src = ChainEventSource.of(p)
    read = sum(len(blk.events) for blk in src.read(src.start_block, p.chain.block_number()).blocks)
    assert n == read and n > 200  # every log of the park's history decoded, both ways


def test_index_answers_like_the_lens(p: ChainPlatform, tmp_path: Path) -> None:
    index = OfferIndex(tmp_path / "i.sqlite", ChainEventSource.of(p))
    result = index.sync()
    assert result.last_block == p.chain.block_number() and result.events == index.events_applied > 100
    assert assert_same_search(index, p, n_queries=20) > 60  # searches that find things, not only empty pages
    assert_same_records(index, p)


def test_effective_states_follow_now(p: ChainPlatform, tmp_path: Path) -> None:
    """Validity and EXPIRED agreements are derived at query time from ``now``, like the views."""
    index = OfferIndex(tmp_path / "i.sqlite", ChainEventSource.of(p))
    index.sync()
    p.advance_time(LONG)  # everything expires; only one empty block
    assert index.last_block == p.chain.block_number() - 1
    later = p.now()
    for q in queries(random.Random(3), 6):
        assert index.search_offers(q, 0, 200, now=later) == p.search_offers(q, 0, 200)
    for aid in range(1, p.agreement_count() + 1):
        assert index.agreement(aid, now=later) == p.agreement(aid)
    index.sync()
    assert_same_records(index, p)


def test_small_batches_and_web3_source_build_the_same_file(p: ChainPlatform, tmp_path: Path) -> None:
    one = OfferIndex(tmp_path / "one.sqlite", ChainEventSource.of(p))
    small_src = CountingSource(p.chain, p.address, p.codec, p.deployment.block)
    small = OfferIndex(tmp_path / "small.sqlite", small_src, batch_blocks=37)
    web3_src = ChainEventSource.of(p, mode="web3")
    web3 = OfferIndex(tmp_path / "web3.sqlite", web3_src, batch_blocks=400)
    for ix in (one, small, web3):
        ix.sync()
    assert len(small_src.ranges) > 5 and all(b - a + 1 <= 37 for a, b in small_src.ranges)
    tables = ("firms", "offers", "agreements")
    base = {t: v for t, v in dump(tmp_path / "one.sqlite").items() if t in tables}
    for name in ("small", "web3"):
        other = {t: v for t, v in dump(tmp_path / f"{name}.sqlite").items() if t in tables}
        assert other == base, name
    assert one.last_hash == small.last_hash == web3.last_hash == p.chain.backend.chain.get_canonical_head().hash  # type: ignore[attr-defined]


def test_resume_after_reopen_reads_only_new_blocks(p: ChainPlatform, park: Park, tmp_path: Path) -> None:
    path = tmp_path / "i.sqlite"
    first = OfferIndex(path, ChainEventSource.of(p))
    first.sync()
    stopped = first.last_block
    first.close()

    more = Park(p, seed=99)
    more.firms, more.offers, more.agreements = dict(park.firms), list(park.offers), list(park.agreements)
    more.post(1)
    more.churn(40)

    src = CountingSource(p.chain, p.address, p.codec, p.deployment.block)
    again = OfferIndex(path, src, batch_blocks=25)
    assert again.last_block == stopped
    result = again.sync()
    assert src.ranges and src.ranges[0][0] == stopped + 1
    assert all(a > stopped for a, _ in src.ranges), "an old block was read again"
    assert result.first_block == stopped + 1 and result.ranges == len(src.ranges)
    assert_same_search(again, p, n_queries=8, seed=5)
    assert_same_records(again, p)
    # nothing new: no read at all
    before = len(src.ranges)
    assert again.sync().ranges == 0 and len(src.ranges) == before


def test_reorg_is_detected_naming_the_block(p: ChainPlatform, tmp_path: Path) -> None:
    path = tmp_path / "i.sqlite"
    acct = p.new_account()
    fid = p.register_firm(acct, "before the fork", 1, 0, 0, [EnergyForm.STEAM], [])
    fork = p.snapshot()
    p.post_offer(acct, EnergyForm.STEAM, 10, 100, 5, p.now() + LONG)
    index = OfferIndex(path, ChainEventSource.of(p))
    index.sync()
    stored_block, stored_hash = index.last_block, index.last_hash

    p.revert(fork)  # the chain is now shorter than the index: the block is gone
    with pytest.raises(IndexReorgError) as gone:
        index.sync()
    assert gone.value.block == stored_block and gone.value.chain_hash is None
    assert f"block {stored_block}" in str(gone.value)

    p.post_offer(acct, EnergyForm.STEAM, 99, 120, 7, p.now() + LONG)  # a different block at the same height
    assert p.chain.block_number() == stored_block
    with pytest.raises(IndexReorgError) as other:
        index.sync()
    assert other.value.block == stored_block and other.value.stored_hash == stored_hash
    assert other.value.chain_hash not in (None, stored_hash)
    assert index.last_block == stored_block  # nothing applied
    assert index.offer(index.offer_count()).quantity == 10  # still the old branch's offer
    del fid


def test_reorg_rollback_returns_to_the_fork_and_follows_the_new_branch(p: ChainPlatform, tmp_path: Path) -> None:
    index = OfferIndex(tmp_path / "i.sqlite", ChainEventSource.of(p), on_reorg="rollback", batch_blocks=10)
    index.sync()
    fork_block = index.last_block
    snap = p.snapshot()
    acct = p.new_account()
    fid = p.register_firm(acct, "old branch", 1, 5, 5, [EnergyForm.STEAM, EnergyForm.BIOGAS], [])
    oid = p.post_offer(acct, EnergyForm.STEAM, 10, 100, 5, p.now() + LONG, True)
    buyer = p.new_account()
    p.register_firm(buyer, "buyer", 1, 0, 0, [], [EnergyForm.STEAM])
    p.propose_agreement(buyer, oid, 4, 3600)  # auto-accepted: reserves 4
    index.sync()
    assert index.offer(oid).reserved == 4

    p.revert(snap)
    acct2 = p.new_account()
    p.register_firm(acct2, "new branch", 2, -5, -5, [EnergyForm.BIOGAS], [])
    p.advance_time(3)
    result = index.sync()
    assert result.rolled_back_to is not None and result.rolled_back_to <= fork_block + 1
    assert_same_records(index, p)
    assert_same_search(index, p, n_queries=8, seed=11)


def test_refuses_a_file_of_another_chain_or_contract(p: ChainPlatform, tmp_path: Path) -> None:
    path = tmp_path / "i.sqlite"
    OfferIndex(path, ChainEventSource.of(p)).close()
    wrong_contract = ChainEventSource(p.chain, p.search_address, p.codec, p.deployment.block)
    with pytest.raises(IndexMismatchError, match=p.search_address):
        OfferIndex(path, wrong_contract)
    wrong_chain = ChainEventSource.of(p)
    wrong_chain.chain_id = 1
    with pytest.raises(IndexMismatchError, match="chain 1"):
        OfferIndex(path, wrong_chain)
    OfferIndex(path, ChainEventSource.of(p)).sync()  # the right one still opens


def test_a_crash_mid_batch_leaves_the_previous_block(p: ChainPlatform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "i.sqlite"
    src = CountingSource(p.chain, p.address, p.codec, p.deployment.block)
    index = OfferIndex(path, src, batch_blocks=60)
    head = p.chain.block_number()
    index.sync(to_block=head - 150)
    before = dump(path)
    calls = {"n": 0}
    real = OfferIndex._HANDLERS["OfferPosted"]

    def boom(self: OfferIndex, args: dict[str, Any]) -> None:
        calls["n"] += 1
        if calls["n"] == 3:  # the middle of a batch, after other rows were written
            raise RuntimeError("power cut")
        real(self, args)

    monkeypatch.setitem(OfferIndex._HANDLERS, "OfferPosted", boom)
    with pytest.raises(RuntimeError, match="power cut"):
        index.sync()
    # the batches before the failing one are committed, the failing one left no trace
    after = dump(path)
    committed = index.last_block
    assert head - 150 <= committed < head
    if committed == head - 150:
        assert after == before
    con = sqlite3.connect(path)
    assert con.execute("SELECT value FROM meta WHERE key='last_block'").fetchone()[0] == str(committed)
    con.close()
    # a reader of the file sees a state that is exactly the index at `committed`
    reference = OfferIndex(tmp_path / "ref.sqlite", ChainEventSource.of(p))
    reference.sync(to_block=committed)
    tables = ("firms", "offers", "agreements")
    ref = dump(tmp_path / "ref.sqlite")
    assert {t: after[t] for t in tables} == {t: ref[t] for t in tables}

    # and a read failure (node down) changes nothing either
    monkeypatch.setitem(OfferIndex._HANDLERS, "OfferPosted", real)
    src.fail_on_read = len(src.ranges)
    with pytest.raises(ConnectionError):
        index.sync()
    assert index.last_block == committed
    src.fail_on_read = None
    index.close()
    resumed = OfferIndex(path, ChainEventSource.of(p))
    resumed.sync()
    assert_same_records(resumed, p)


def test_events_that_contradict_the_index_are_refused(p: ChainPlatform, tmp_path: Path) -> None:
    """Starting after the offers were posted, the index cannot apply their agreements."""
    first_agreement_block = next(
        b.number
        for b in ChainEventSource.of(p).read(p.deployment.block, p.chain.block_number()).blocks
        if any(e.name == "AgreementProposed" for _, e in b.events)
    )
    index = OfferIndex(tmp_path / "i.sqlite", ChainEventSource.of(p), start_block=first_agreement_block)
    with pytest.raises(IndexCorruptError, match="not in the index"):
        index.sync()
    assert index.last_block == first_agreement_block - 1


def test_indexed_search_adapter_follows_the_platform(p: ChainPlatform, park: Park, tmp_path: Path) -> None:
    searcher = IndexedSearch.open(p, tmp_path / "i.sqlite")
    rng = random.Random(2)
    qs = list(queries(rng, 6))
    for q in qs:
        assert list(search_all(searcher, q, page_size=200)) == list(search_all(p, q, page_size=200))
    snap = p.snapshot()
    more = Park(p, seed=5)
    more.firms, more.offers, more.agreements = dict(park.firms), list(park.offers), list(park.agreements)
    more.churn(30)
    for q in qs:
        assert list(search_all(searcher, q, page_size=200)) == list(search_all(p, q, page_size=200))
    p.revert(snap)  # as the simulation does between scenarios
    more.offers, more.agreements = list(park.offers), list(park.agreements)
    more.churn(10)
    for q in qs:
        assert list(search_all(searcher, q, page_size=200)) == list(search_all(p, q, page_size=200))
    assert searcher.offer_count() == p.offer_count()  # everything else is the platform's


def test_indexed_helper_for_the_simulation(p: ChainPlatform) -> None:
    """``search_all(indexed(platform), ...)``: one index per chain platform, memory platforms untouched."""
    from bois.memory import MemoryPlatform

    memory = MemoryPlatform()
    assert indexed(memory) is memory
    s = indexed(p)
    assert isinstance(s, IndexedSearch) and indexed(p) is s
    q = OfferQuery(EnergyForm.STEAM)
    assert list(search_all(s, q, page_size=200)) == list(search_all(p, q, page_size=200))


def test_ranked_by_delivered_cost(tmp_path: Path) -> None:
    p = ChainPlatform.embedded()
    made = []
    for i, (x, price) in enumerate([(0, 1_000), (1_000, 500), (3_000, 500), (200, 1_100)]):
        acct = p.new_account()
        p.register_firm(acct, f"s{i}", 1, x, 0, [EnergyForm.STEAM], [])
        made.append(p.post_offer(acct, EnergyForm.STEAM, 10, 150, price, p.now() + LONG))
    index = OfferIndex(tmp_path / "i.sqlite", ChainEventSource.of(p))
    index.sync()
    q = OfferQuery(EnergyForm.STEAM)
    # price only (ties -> nearer): 500@1000 m, 500@3000 m, 1000@0 m, 1100@200 m
    assert [m.offer.offer_id for m in index.ranked(q)] == [made[1], made[2], made[0], made[3]]
    # + 0.3 cents/MWh per metre: 1000+0=1000, 500+300=800, 500+900=1400, 1100+60=1160
    assert [m.offer.offer_id for m in index.ranked(q, transport_cost=0.3)] == [made[1], made[0], made[3], made[2]]
    assert [m.offer.offer_id for m in index.ranked(q, transport_cost=0.3, limit=2, exclude_suppliers=[2])] == [made[0], made[3]]


def test_query_errors_match_the_platform(p: ChainPlatform, tmp_path: Path) -> None:
    index = OfferIndex(tmp_path / "i.sqlite", ChainEventSource.of(p))
    index.sync()
    with pytest.raises(errors.UnknownEnergyForm):
        p.search_offers(OfferQuery(7))  # type: ignore[arg-type]
    with pytest.raises(errors.UnknownEnergyForm) as info:
        index.search_offers(OfferQuery(7))  # type: ignore[arg-type]
    assert info.value == errors.UnknownEnergyForm(7)
    for bad in (OfferQuery(EnergyForm.STEAM, min_quantity=-1), OfferQuery(EnergyForm.STEAM, x_m=2**31)):
        with pytest.raises(errors.InvalidInput):
            index.search_offers(bad)
    with pytest.raises(errors.InvalidInput):
        index.search_offers(OfferQuery(EnergyForm.STEAM), cursor=-1)
    with pytest.raises(errors.OfferUnknown):
        index.offer(10**9)
