"""What only the in-memory reference model can be asked: exact clock boundaries, its
search index against a plain linear scan, determinism, and its accounting."""

from __future__ import annotations

import math
import pickle
import random

import pytest

from bois import errors
from bois.memory import GENESIS_TIME, MemoryPlatform
from bois.platform import Platform
from bois.types import AgreementState, EnergyForm, FirmStatus, OfferMatch, OfferQuery, OfferStatus, SearchPage
from platform_helpers import expect

F = EnergyForm


def test_is_a_platform() -> None:
    assert isinstance(MemoryPlatform(), Platform)


def test_deterministic_accounts_and_clock() -> None:
    p, q = MemoryPlatform(), MemoryPlatform()
    assert p.admin == q.admin and [p.new_account() for _ in range(5)] == [q.new_account() for _ in range(5)]
    assert p.now() == GENESIS_TIME
    assert MemoryPlatform(start_time=5).now() == 5
    with pytest.raises(errors.InvalidInput):
        p.advance_time(-1)
    with pytest.raises(errors.InvalidInput):
        p.revert(12345)


def test_exact_boundaries() -> None:
    """Transactions run at now(): validity and expiry at the exact second."""
    p = MemoryPlatform()
    a, b = p.new_account(), p.new_account()
    p.register_firm(a, "a", 0, 0, 0, [F.STEAM], [])
    p.register_firm(b, "b", 0, 0, 0, [], [F.STEAM])
    t = p.now()
    expect(errors.OfferInvalidValidity(t, t), p.post_offer, a, F.STEAM, 10, 0, 0, t, False)
    offer = p.post_offer(a, F.STEAM, 10, 0, 0, t + 100, False)
    ag = p.propose_agreement(b, offer, 5, 50)
    p.accept_agreement(a, ag)
    assert p.agreement(ag).ends_at == t + 50 and p.agreement(ag).started_at == t
    p.advance_time(49)
    assert p.agreement(ag).state == AgreementState.ACTIVE
    expect(errors.AgreementNotExpired(ag, t + 50), p.close_agreement, a, ag)
    p.advance_time(1)
    assert p.agreement(ag).state == AgreementState.EXPIRED
    p.advance_time(49)  # t + 99: the offer is still valid
    assert [m.offer.offer_id for m in p.search_offers(OfferQuery(F.STEAM)).matches] == [offer]
    ag2 = p.propose_agreement(b, offer, 5, 1)
    p.advance_time(1)  # t + 100 == validUntil: expired for proposals, acceptance and search
    expect(errors.OfferExpired(offer, t + 100), p.propose_agreement, b, offer, 1, 1)
    expect(errors.OfferExpired(offer, t + 100), p.accept_agreement, a, ag2)
    assert p.search_offers(OfferQuery(F.STEAM)).matches == []
    p.close_agreement(b, ag)
    assert p.offer(offer).reserved == 0


def test_failed_transactions_change_nothing() -> None:
    p = MemoryPlatform()
    a, b = p.new_account(), p.new_account()
    p.register_firm(a, "a", 0, 0, 0, [F.STEAM], [])
    p.register_firm(b, "b", 0, 0, 0, [], [])
    auto = p.post_offer(a, F.STEAM, 100, 0, 0, p.now() + 1000, True)
    p.propose_agreement(b, auto, 60, 10)
    snap = p.snapshot()
    before = p.snapshot()
    stats = p.stats.copy()
    for call in (
        lambda: p.propose_agreements(b, [(auto, 30, 10), (auto, 30, 10)]),
        lambda: p.post_offers(a, [(F.STEAM, 1, 0, 0, p.now() + 5, False), (F.STEAM, 0, 0, 0, p.now() + 5, False)]),
        lambda: p.update_offer(a, auto, 59, 0, 0, p.now() + 5),
        lambda: p.leave_registry(a),
    ):
        with pytest.raises(errors.ContractError):
            call()
        assert p.last_events == []
        assert p._s == pickle.loads(p._snapshots[before])  # noqa: SLF001 - the whole state, field by field
    assert p.stats == stats
    p.revert(snap)


def test_stats_count_transactions_with_zero_gas() -> None:
    p = MemoryPlatform()
    a = p.new_account()
    p.register_firm(a, "a", 0, 0, 0, [F.STEAM], [])
    p.post_offer(a, F.STEAM, 10, 0, 0, p.now() + 10, False)
    p.post_offer(a, F.STEAM, 10, 0, 0, p.now() + 10, False)
    p.search_offers(OfferQuery(F.STEAM))
    assert (p.stats.transactions, p.stats.gas_used) == (3, 0)
    assert p.stats.by_function == {"registerFirm": [1, 0], "postOffer": [2, 0]}


def _linear_search(p: MemoryPlatform, q: OfferQuery, cursor: int, limit: int) -> SearchPage:
    """docs/platform.md's scan, written out over the public views."""
    limit = min(max(limit, 1), 200)
    count = p.offer_count()
    matches: list[OfferMatch] = []
    i = max(cursor, 1)
    while i <= count:
        o = p.offer(i)
        s = p.firm(o.supplier_id)
        dx, dy = s.x_m - q.x_m, s.y_m - q.y_m
        sq = dx * dx + dy * dy
        if (
            o.status == OfferStatus.OPEN
            and o.valid_until > p.now()
            and s.status in (FirmStatus.OPERATING, FirmStatus.RECOVERED)
            and o.form == q.form
            and o.quantity - o.reserved >= q.min_quantity
            and o.temperature_c >= q.min_temperature_c
            and (q.max_distance_m == 0 or sq <= q.max_distance_m**2)
        ):
            matches.append(OfferMatch(o, math.isqrt(sq)))
            if len(matches) == limit:
                return SearchPage(matches, i + 1 if i + 1 <= count else 0)
        i += 1
    return SearchPage(matches, 0)


@pytest.mark.parametrize("seed, spread", [(seed, spread) for seed in range(4) for spread in (500, 5_000, 40_000)])
def test_indexed_search_equals_linear_scan(seed: int, spread: int) -> None:
    """Random offers over a park of ``spread`` metres (one to many grid cells), compared
    after every action with the scan of the spec, written out."""
    rng = random.Random(seed)
    p = MemoryPlatform()
    firms = []
    for i in range(40):
        acct = p.new_account()
        fid = p.register_firm(acct, f"f{i}", 0, rng.randint(-spread, spread), rng.randint(-spread, spread), list(F), list(F))
        firms.append((acct, fid))
    forms = [F.STEAM, F.DISTRICT_HEAT, F.ELECTRICITY]
    snapshots = []
    for step in range(400):
        acct, fid = rng.choice(firms)
        r = rng.random()
        try:
            if r < 0.35:
                p.post_offer(acct, rng.choice(forms), rng.randint(1, 1000), rng.randint(0, 200), 1000,
                             p.now() + rng.randint(1, 5000), rng.random() < 0.3)
            elif r < 0.45 and p.offer_count():
                o = p.offer(rng.randint(1, p.offer_count()))
                owner = p.firm(o.supplier_id).owner
                p.update_offer(owner, o.offer_id, rng.randint(1, 1000), rng.randint(0, 200), 1000, p.now() + rng.randint(1, 5000))
            elif r < 0.52 and p.offer_count():
                o = p.offer(rng.randint(1, p.offer_count()))
                p.withdraw_offer(p.firm(o.supplier_id).owner, o.offer_id)
            elif r < 0.68 and p.offer_count():
                p.propose_agreement(acct, rng.randint(1, p.offer_count()), rng.randint(1, 600), 3600)
            elif r < 0.76:
                status = p.firm(fid).status
                if status == FirmStatus.DISRUPTED:
                    p.report_status(acct, fid, FirmStatus.RECOVERED)
                elif status != FirmStatus.LEFT:
                    p.report_status(acct, fid, FirmStatus.DISRUPTED)
            elif r < 0.78:
                p.leave_registry(acct)
            elif r < 0.84:
                p.advance_time(rng.choice([10, 300, 2000]))
            elif r < 0.87:
                snapshots.append(p.snapshot())
            elif r < 0.89 and snapshots:
                p.revert(rng.choice(snapshots))  # time goes back: pruned offers must come back
        except errors.ContractError:
            pass
        for _ in range(3):
            q = OfferQuery(
                rng.choice(forms),
                min_quantity=rng.choice([0, 1, 300, 900]),
                min_temperature_c=rng.choice([-32768, 50, 150]),
                max_distance_m=rng.choice([0, 0, spread // 50, spread // 5, spread, 2**64 - 1]),
                x_m=rng.randint(-spread, spread),
                y_m=rng.randint(-spread, spread),
            )
            cursor, limit = rng.choice([0, 1, rng.randint(0, p.offer_count() + 2)]), rng.choice([0, 1, 3, 10, 500])
            assert p.search_offers(q, cursor, limit) == _linear_search(p, q, cursor, limit), (step, q, cursor, limit)


def test_snapshots_after_a_revert_share_state_and_stay_exact() -> None:
    """The sweep pattern revert(s); s = snapshot() costs no new copy; any change does."""
    p = MemoryPlatform()
    a = p.new_account()
    p.register_firm(a, "a", 0, 0, 0, [F.STEAM], [])
    s1 = p.snapshot()
    p.revert(s1)
    s2 = p.snapshot()
    assert p._snapshots[s2] is p._snapshots[s1]  # noqa: SLF001
    p.post_offer(a, F.STEAM, 10, 0, 0, p.now() + 10, False)
    s3 = p.snapshot()
    assert p._snapshots[s3] is not p._snapshots[s2]  # noqa: SLF001
    p.revert(s2)
    p.advance_time(5)
    s4 = p.snapshot()
    p.revert(s3)
    assert p.offer_count() == 1
    p.revert(s4)
    assert (p.offer_count(), p.now()) == (0, GENESIS_TIME + 5)
    p.revert(s1)
    assert (p.offer_count(), p.now(), p.firm_count()) == (0, GENESIS_TIME, 1)


def test_post_offers_accepts_specs_and_short_tuples() -> None:
    from dataclasses import dataclass

    @dataclass
    class Spec:
        form: int
        quantity: int
        temperature_c: int
        price: int
        valid_until: int
        auto_accept: bool = False

    p = MemoryPlatform()
    a = p.new_account()
    p.register_firm(a, "a", 0, 0, 0, [F.STEAM], [])
    until = p.now() + 10
    assert p.post_offers(a, [Spec(1, 5, 0, 0, until, True), (F.STEAM, 6, 0, 0, until)]) == [1, 2]
    assert p.offer(1).auto_accept and not p.offer(2).auto_accept
    with pytest.raises(errors.InvalidInput):
        p.post_offers(a, [(F.STEAM, 6, 0, 0)])
