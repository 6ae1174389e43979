"""The search index (bois.index) over a real JSON-RPC node: anvil, started by :class:`bois.node.AnvilNode`.

* the index built over anvil (source mode ``"rpc"``: raw ``eth_getLogs`` /
  ``eth_getBlockByNumber``) answers like the on-chain lens and like an index built on
  the embedded chain driven through the same actions in lockstep;
* a node killed (SIGKILL) in the middle of a sync raises NodeUnreachable naming the URL and
  leaves the file at the end of the last range applied;
* a node stopped and restarted on the same chain (``AnvilNode(state_path=...)``) lets the
  same file resume where it stopped, reading only newer blocks, and end equal to a fresh
  index of the whole chain.

anvil comes from the npm package pinned in package.json (``npm ci``; ``make test`` runs it):
without it these tests fail with AnvilNotFound saying so. ``BOIS_SKIP_ANVIL=1`` skips them.
"""

from __future__ import annotations

import dataclasses
import os
import random
import sqlite3
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from bois import errors
from bois.chain import NodeUnreachable, RpcChain
from bois.chain_platform import ChainPlatform
from bois.index import ChainEventSource, IndexReorgError, OfferIndex, SourceRange
from bois.node import AnvilNode
from bois.platform import search_all
from bois.types import FirmStatus
from test_index import Park, assert_same_records, assert_same_search, dump, queries

pytestmark = pytest.mark.skipif(os.environ.get("BOIS_SKIP_ANVIL") == "1", reason="BOIS_SKIP_ANVIL=1")

TABLES = ("firms", "offers", "agreements")


# ----- helpers -------------------------------------------------------------------------------
class Twin:
    """Two platforms driven through the same actions in lockstep (for :class:`test_index.Park`).

    Every method call runs on both platforms and must give the same outcome: equal results
    or the same error class. Accounts are labels (``"admin"``, ``"account 3"``) mapped to
    each chain's own address (the chains sign with different keys), and addresses in
    results are turned back into labels before comparing, so a Firm's owner compares too.
    """

    def __init__(self, *platforms: ChainPlatform) -> None:
        self.platforms = platforms
        self.addresses: dict[str, tuple[str, ...]] = {"admin": tuple(p.admin for p in platforms)}
        self.labels: list[dict[str, str]] = [{p.admin: "admin"} for p in platforms]
        self.calls = 0

    @property
    def admin(self) -> str:
        return "admin"

    def new_account(self) -> str:
        label = f"account {len(self.addresses)}"
        made = tuple(p.new_account() for p in self.platforms)
        self.addresses[label] = made
        for i, address in enumerate(made):
            self.labels[i][address] = label
        return label

    def _arg(self, value: Any, i: int) -> Any:
        return self.addresses[value][i] if isinstance(value, str) and value in self.addresses else value

    def _label(self, value: Any, i: int) -> Any:
        if isinstance(value, str):
            return self.labels[i].get(value, value)
        if isinstance(value, (list, tuple)):
            return type(value)(self._label(v, i) for v in value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = {f.name: self._label(getattr(value, f.name), i) for f in dataclasses.fields(value) if f.init}
            return dataclasses.replace(value, **fields)
        return value

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def both(*args: Any) -> Any:
            self.calls += 1
            outcomes: list[tuple[str, Any]] = []
            for i, p in enumerate(self.platforms):
                try:
                    got = getattr(p, name)(*(self._arg(a, i) for a in args))
                except errors.ContractError as exc:
                    outcomes.append(("raised", exc))
                else:
                    outcomes.append(("returned", self._label(got, i)))
            kinds = [(kind, type(v) if kind == "raised" else v) for kind, v in outcomes]
            assert all(k == kinds[0] for k in kinds), f"{name}{args}: the chains disagree: {outcomes}"
            kind, value = outcomes[0]
            if kind == "raised":
                raise value
            return value

        return both


def drive(p: Any, seed: int, firms: int = 7, rounds: int = 70) -> Park:
    """A small mixed history (every event kind but a few), cheap enough for a test on anvil."""
    park = Park(p, seed)
    park.register(firms)
    park.post(3)
    park.churn(rounds)
    park.leave_one()
    park.post(1)
    p.advance_time(50)  # the short offers expire, and so do the 30 s agreements
    park.churn(rounds // 2)
    disrupted = [f for f in park.firms if p.firm(f).status == FirmStatus.DISRUPTED]
    for fid in disrupted[1:]:  # all but one recover: more offers can match
        p.report_status(park.firms[fid], fid, FirmStatus.RECOVERED)
    park.post(2)
    return park


def continue_park(p: Any, park: Park, seed: int, rounds: int) -> Park:
    more = Park(p, seed)
    more.firms, more.offers, more.agreements = dict(park.firms), list(park.offers), list(park.agreements)
    more.post(1)
    more.churn(rounds)
    return more


def rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    return {t: v for t, v in dump(path).items() if t in TABLES}


def meta(path: Path) -> dict[str, str]:
    """The meta table as another process sees it (a fresh connection: committed data only)."""
    return {k: v for k, v in dump(path)["meta"]}


def raw_logs(url: str, address: str, first: int, last: int) -> list[dict[str, Any]]:
    from bois.chain import rpc_request

    got = rpc_request(url, "eth_getLogs", [{"address": address, "fromBlock": hex(first), "toBlock": hex(last)}])
    assert isinstance(got, list)
    return got


def block_hashes(source: ChainEventSource, last: int) -> list[bytes | None]:
    return [source.block_hash(n) for n in range(last + 1)]


class KillingSource(ChainEventSource):
    """A JSON-RPC source that kills the node in the middle of reading range number ``kill_in_range``.

    The kill comes after the range's first request (its first header) was answered, so the
    failure happens inside a read, as a node crash would.
    """

    def __init__(self, node: AnvilNode, kill_in_range: int, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.node = node
        self.kill_in_range = kill_in_range
        self.requests_in_range = 0
        self.killed_after: tuple[int, int] | None = None

    def read(self, first: int, last: int) -> SourceRange:
        self.requests_in_range = 0
        return super().read(first, last)

    def _rpc(self, method: str, params: Any = ()) -> Any:
        reading = len(self.ranges)  # ranges started so far (1 = the first)
        if reading == self.kill_in_range and self.requests_in_range == 1 and self.node.running:
            self.killed_after = self.ranges[-1]
            self.node.kill()
        self.requests_in_range += 1
        return super()._rpc(method, params)


@pytest.fixture
def node() -> Iterator[AnvilNode]:
    with AnvilNode() as n:  # AnvilNotFound (a ChainError) says to run `npm ci`
        yield n


# ----- tests ---------------------------------------------------------------------------------
def test_index_over_anvil_answers_like_the_lens_and_the_embedded_index(node: AnvilNode, tmp_path: Path) -> None:
    anvil = ChainPlatform.rpc(node.url)
    embedded = ChainPlatform.embedded()
    twin = Twin(anvil, embedded)
    park = drive(twin, seed=3)
    # lockstep really was lockstep: same blocks, same clock
    assert anvil.chain.block_number() == embedded.chain.block_number()
    assert anvil.now() == embedded.now()
    assert anvil.deployment.block == embedded.deployment.block

    src = ChainEventSource.of(anvil)
    assert src.mode == "rpc" and ChainEventSource.of(embedded).mode == "pyevm"
    over_rpc = OfferIndex(tmp_path / "anvil.sqlite", src, batch_blocks=40)
    result = over_rpc.sync()
    assert result.last_block == anvil.chain.block_number() and result.ranges == len(src.ranges) > 1
    assert result.events == over_rpc.events_applied > 80
    local = OfferIndex(tmp_path / "embedded.sqlite", ChainEventSource.of(embedded))
    local.sync()

    # the lens on anvil is the oracle (views are cheap there)
    assert assert_same_search(over_rpc, anvil, n_queries=15, seed=4) > 20
    assert_same_records(over_rpc, anvil)
    statuses = {over_rpc.firm(f).status for f in range(1, over_rpc.firm_count() + 1)}
    assert FirmStatus.LEFT in statuses  # leave_one happened: the history is mixed

    # the embedded index of the same actions: same rows (owners compared by account label)
    assert local.events_applied == over_rpc.events_applied
    assert local.last_timestamp == over_rpc.last_timestamp and local.last_block == over_rpc.last_block
    mine, theirs = rows(tmp_path / "anvil.sqlite"), rows(tmp_path / "embedded.sqlite")
    for i, table in enumerate((mine, theirs)):
        table["firms"] = [(r[0], twin.labels[i][r[1]], *r[2:]) for r in table["firms"]]  # owner -> label
    assert mine == theirs and len(mine["offers"]) == anvil.offer_count() > 20
    for q in queries(random.Random(9), 25):
        assert over_rpc.search_all(q) == local.search_all(q)
        assert over_rpc.ranked(q, transport_cost=0.2) == local.ranked(q, transport_cost=0.2)
    assert twin.calls > 150 and len(park.agreements) > 10


def test_web3_mode_needs_a_web3_chain(node: AnvilNode) -> None:
    p = ChainPlatform.rpc(node.url)
    assert isinstance(p.chain, RpcChain)
    with pytest.raises(ValueError, match="use mode 'rpc'"):
        ChainEventSource.of(p, mode="web3")
    with pytest.raises(ValueError, match="embedded chain"):
        ChainEventSource.of(p, mode="pyevm")
    with pytest.raises(ValueError, match="needs a JSON-RPC chain"):
        ChainEventSource.of(ChainPlatform.embedded(), mode="rpc")
    src = ChainEventSource.of(p)
    head = p.chain.block_number()
    assert src.head() == head
    assert src.block_hash(head + 1) is None and src.block_hash(-1) is None
    assert src.read(head, head).last_hash == src.block_hash(head)


def test_node_killed_mid_sync_leaves_the_last_applied_range(node: AnvilNode, tmp_path: Path) -> None:
    """SIGKILL in the middle of the third range's read: two ranges stay applied, nothing else.

    A hard kill loses anvil's chain (no state dump), so the node restarted without state
    has another chain and the index must refuse it (IndexReorgError), not mix the two.
    """
    p = ChainPlatform.rpc(node.url)
    drive(p, seed=5, firms=6, rounds=50)
    head = p.chain.block_number()
    batch = 12
    start = p.deployment.block
    assert head - start + 1 > 3 * batch
    applied_to = start + 2 * batch - 1  # the end of the second range

    reference_path = tmp_path / "reference.sqlite"
    reference = OfferIndex(reference_path, ChainEventSource.of(p), batch_blocks=5)  # other batching, same blocks
    reference.sync(to_block=applied_to)

    path = tmp_path / "i.sqlite"
    src = KillingSource(node, 3, p.chain, p.address, p.codec, start)
    index = OfferIndex(path, src, batch_blocks=batch)
    with pytest.raises(NodeUnreachable) as info:
        index.sync()
    message = str(info.value)
    assert node.url in message
    third = (applied_to + 1, applied_to + batch)
    assert src.killed_after == third and src.ranges == [(start, start + batch - 1), (start + batch, applied_to), third]
    assert f"while reading blocks {third[0]}..{third[1]}" in message
    assert f"stays at block {applied_to}" in message

    # exactly the two applied ranges, as this connection and as another reader see it
    assert not index.db.in_transaction
    assert index.last_block == applied_to and index.events_applied == reference.events_applied > 0
    on_disk = meta(path)
    assert on_disk["last_block"] == str(applied_to) and on_disk["events"] == str(reference.events_applied)
    assert on_disk["last_hash"] == meta(reference_path)["last_hash"]
    assert rows(path) == rows(reference_path)
    index.close()
    reopened = OfferIndex(path, ChainEventSource(p.chain, p.address, p.codec, start))
    assert reopened.last_block == applied_to

    # a sync while the node is down changes nothing either, and says so
    with pytest.raises(NodeUnreachable, match="while checking the chain"):
        reopened.sync()
    assert rows(path) == rows(reference_path) and reopened.last_block == applied_to

    node.start()  # same URL, but the killed node's chain is gone: a different (empty) chain
    assert RpcChain(node.url).block_number() == 0
    with pytest.raises(IndexReorgError) as gone:
        reopened.sync()
    assert gone.value.block == applied_to and gone.value.chain_hash is None
    assert reopened.last_block == applied_to


def test_restarted_node_resumes_the_same_file(tmp_path: Path) -> None:
    """Stop (graceful: anvil dumps its state on SIGTERM), restart on the same chain, resume.

    anvil's ``--state`` file is written on a graceful exit (or every ``--state-interval``
    seconds); a SIGKILL loses what was not dumped, so this test stops gracefully. The
    client keeps its RpcChain: the node comes back on the same URL with the same chain and
    account nonces.
    """
    state = tmp_path / "anvil" / "state.json"
    node = AnvilNode(state_path=state)
    with node:
        p = ChainPlatform.rpc(node.url)
        park = drive(p, seed=8, firms=6, rounds=50)
        path = tmp_path / "i.sqlite"
        first_src = ChainEventSource.of(p)
        first = OfferIndex(path, first_src, batch_blocks=20)
        first.sync()
        stopped, events_before = first.last_block, first.events_applied
        assert stopped == p.chain.block_number() and events_before > 50
        hashes = block_hashes(first_src, stopped)
        logs = raw_logs(node.url, p.address, 0, stopped)
        last_ts = p.now()
        first.close()

        node.stop()
        assert state.is_file() and state.stat().st_size > 0
        node.start()
        # the same chain: every old block hash and log survived the restart
        assert p.chain.block_number() == stopped and p.now() == last_ts
        assert block_hashes(ChainEventSource.of(p), stopped) == hashes
        assert raw_logs(node.url, p.address, 0, stopped) == logs

        continue_park(p, park, seed=81, rounds=30)
        src = ChainEventSource.of(p)
        new_head = p.chain.block_number()
        assert new_head > stopped + 10
        header = src._header(stopped + 1)
        assert header is not None and bytes.fromhex(header["parentHash"][2:]) == hashes[stopped]
        assert int(header["timestamp"], 16) == last_ts + 1  # the clock carries on too

        again = OfferIndex(path, src, batch_blocks=20)
        assert again.last_block == stopped and again.events_applied == events_before
        result = again.sync()
        assert src.ranges and src.ranges[0][0] == stopped + 1
        assert all(a > stopped for a, _ in src.ranges), "an old block was read again"
        assert result.first_block == stopped + 1 and result.last_block == new_head > stopped
        assert result.ranges == len(src.ranges) and result.events == again.events_applied - events_before > 0

        fresh_path = tmp_path / "fresh.sqlite"
        fresh = OfferIndex(fresh_path, ChainEventSource.of(p), batch_blocks=500)
        fresh.sync()
        assert rows(path) == rows(fresh_path)
        resumed_meta, fresh_meta = meta(path), meta(fresh_path)
        for key in ("last_block", "last_hash", "last_timestamp", "events", "start_block"):
            assert resumed_meta[key] == fresh_meta[key], key
        assert_same_records(again, p)
        for query in queries(random.Random(12), 10):
            assert again.search_all(query) == list(search_all(p, query, page_size=200))
