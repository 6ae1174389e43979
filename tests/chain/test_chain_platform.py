"""ChainPlatform over the contracts: errors, events, time, snapshots, names, batches.

The full rule-by-rule suite runs against both backends in tests/platform; these tests
cover what is specific to the chain client.
"""

from __future__ import annotations

import pytest
from eth_utils import keccak

from bois import errors
from bois.chain_platform import ChainPlatform, OfferSpec
from bois.platform import Platform, Role, search_all
from bois.types import AgreementState, EnergyForm, FirmStatus, OfferQuery

S, E = EnergyForm.STEAM, EnergyForm.ELECTRICITY
DAY = 86_400


@pytest.fixture
def park(chain_platform: ChainPlatform) -> tuple[ChainPlatform, str, str, int, int]:
    p = chain_platform
    sup, con = p.new_account(), p.new_account()
    fs = p.register_firm(sup, "Supplier", 1, 0, 0, [S, E], [])
    fc = p.register_firm(con, "Consumer", 2, 300, 400, [], [S])
    return p, sup, con, fs, fc


def test_is_a_platform(chain_platform: ChainPlatform) -> None:
    assert isinstance(chain_platform, Platform)


def test_register_returns_id_and_events_keyed_by_solidity_names(chain_platform: ChainPlatform) -> None:
    p = chain_platform
    acct = p.new_account()
    before = p.firm_count()
    fid = p.register_firm(acct, "Kalundborg Forsyning", 7, -12, 34, [S, E], [EnergyForm.WASTE_HEAT])
    assert fid == before + 1 == p.firm_count()
    [event] = p.last_events
    assert event.name == "FirmRegistered"
    assert event.args == {
        "firmId": fid,
        "owner": acct,
        "name": "Kalundborg Forsyning",
        "sector": 7,
        "x": -12,
        "y": 34,
        "supplies": 0b11,
        "needs": 0b1000,
    }
    firm = p.firm(fid)
    assert (firm.owner, firm.name, firm.x_m, firm.y_m) == (acct, "Kalundborg Forsyning", -12, 34)
    assert firm.supplies == {S, E} and firm.needs == {EnergyForm.WASTE_HEAT}
    assert firm.status is FirmStatus.OPERATING and firm.live_agreements == 0
    assert p.firm_id_of(acct) == fid


def test_custom_errors_arrive_as_python_classes_with_values(park: tuple) -> None:
    p, sup, con, fs, fc = park
    with pytest.raises(errors.FirmAlreadyRegistered) as exc:
        p.register_firm(sup, "Again", 1, 0, 0, [], [])
    assert exc.value.account == sup and exc.value.firm_id == fs
    with pytest.raises(errors.FirmInvalidName) as exc2:
        p.register_firm(p.new_account(), "x" * 65, 1, 0, 0, [], [])
    assert exc2.value.length == 65
    with pytest.raises(errors.UnknownEnergyForm) as exc3:
        p.register_firm(p.new_account(), "Bad forms", 1, 0, 0, [7], [])
    assert exc3.value.value == 128
    with pytest.raises(errors.UnknownEnergyForm):
        p.post_offer(sup, 7, 10, 0, 1, p.now() + 100)  # a plain int form passes through to the contract
    with pytest.raises(errors.ZeroQuantity):
        p.post_offer(sup, S, 0, 0, 1, p.now() + 100)
    with pytest.raises(errors.AccessControlUnauthorizedAccount) as exc4:
        p.grant_role(sup, Role.OPERATOR, con)
    assert exc4.value.account == sup and exc4.value.needed_role == b"\x00" * 32
    with pytest.raises(errors.FirmUnknown):
        p.firm(999)
    assert p.last_events == []


def test_a_rejected_call_sends_nothing(park: tuple) -> None:
    p, sup, con, fs, fc = park
    block, now, txs = p.chain.block_number(), p.now(), p.stats.transactions
    with pytest.raises(errors.FirmNotOwner):
        p.report_status(con, fs, FirmStatus.DISRUPTED)
    assert (p.chain.block_number(), p.now(), p.stats.transactions) == (block, now, txs)


@pytest.mark.parametrize(
    "call",
    [
        lambda p, a: p.register_firm(a, "n", 1, 2**31, 0, [], []),
        lambda p, a: p.register_firm(a, "n", 256, 0, 0, [], []),
        lambda p, a: p.register_firm(a, "n", 1, 0, 0, [8], []),
        lambda p, a: p.register_firm(a, b"n", 1, 0, 0, [], []),
        lambda p, a: p.post_offer(a, S, -1, 0, 1, 10**10),
        lambda p, a: p.post_offer(a, S, 2**64, 0, 1, 10**10),
        lambda p, a: p.post_offer(a, S, 1, 2**15, 1, 10**10),
        lambda p, a: p.post_offer(a, S, 1, 0, 2**40, 10**10),
        lambda p, a: p.post_offer(a, 256, 1, 0, 1, 10**10),
        lambda p, a: p.post_offer(a, "steam", 1, 0, 1, 10**10),
        lambda p, a: p.propose_agreement(a, -1, 1, 1),
        lambda p, a: p.propose_agreement(a, 1, 1, -5),
        lambda p, a: p.report_status(a, -1, FirmStatus.DISRUPTED),
        lambda p, a: p.firm(2**32),
        lambda p, a: p.search_offers(OfferQuery(S, x_m=2**31)),
    ],
)
def test_unencodable_values_raise_invalid_input_before_sending(chain_platform: ChainPlatform, call) -> None:
    p = chain_platform
    acct = p.new_account()
    txs = p.stats.transactions
    with pytest.raises(errors.InvalidInput):
        call(p, acct)
    assert p.stats.transactions == txs


def test_time_views_read_the_latest_block_and_each_transaction_is_one_second_later(park: tuple) -> None:
    p, sup, con, fs, fc = park
    t0 = p.now()
    p.report_status(sup, fs, FirmStatus.DISRUPTED)
    assert p.now() == t0 + 1
    p.advance_time(100)
    assert p.now() == t0 + 101
    p.advance_time(1)
    assert p.now() == t0 + 102
    with pytest.raises(errors.OfferInvalidValidity) as exc:
        p.report_status(sup, fs, FirmStatus.RECOVERED)
        p.post_offer(sup, S, 10, 0, 1, t0 + 103)
    assert (exc.value.valid_until, exc.value.now) == (t0 + 103, t0 + 104)


def test_effective_states_suspended_and_expired(park: tuple) -> None:
    p, sup, con, fs, fc = park
    o = p.post_offer(sup, S, 1_000, 180, 5_000, p.now() + 10 * DAY)
    a = p.propose_agreement(con, o, 400, DAY)
    assert p.agreement(a).state is AgreementState.PROPOSED
    p.accept_agreement(sup, a)
    ag = p.agreement(a)
    assert ag.state is AgreementState.ACTIVE and ag.ends_at == ag.started_at + DAY == p.now() + DAY
    assert p.last_events[0].args == {"agreementId": a, "offerId": o, "reserved": 400, "endsAt": ag.ends_at}
    assert p.firm(fs).live_agreements == p.firm(fc).live_agreements == 1
    p.report_status(sup, fs, FirmStatus.DISRUPTED)
    assert p.agreement(a).state is AgreementState.SUSPENDED
    with pytest.raises(errors.AgreementWrongState) as exc:
        p.record_delivery(con, a, 5)
    assert exc.value.state == AgreementState.SUSPENDED
    p.report_status(sup, fs, FirmStatus.RECOVERED)
    p.record_delivery(con, a, 5)
    assert p.last_events[0].args == {"agreementId": a, "quantity": 5, "delivered": 5, "amountDue": 25}
    with pytest.raises(errors.AgreementNotExpired):
        p.close_agreement(con, a)
    p.advance_time(DAY)
    assert p.agreement(a).state is AgreementState.EXPIRED
    with pytest.raises(errors.FirmHasLiveAgreements):
        p.leave_registry(con)
    p.close_agreement(p.new_account(), a)
    assert p.agreement(a).state is AgreementState.CLOSED
    assert p.offer(o).reserved == 0 and p.firm(fs).live_agreements == 0
    p.leave_registry(con)
    assert p.firm(fc).status is FirmStatus.LEFT and p.firm_id_of(con) == 0


def test_auto_accept_emits_proposed_then_accepted(park: tuple) -> None:
    p, sup, con, fs, fc = park
    o = p.post_offer(sup, S, 1_000, 180, 5_000, p.now() + DAY, auto_accept=True)
    a = p.propose_agreement(con, o, 1_000, 3_600)
    assert [e.name for e in p.last_events] == ["AgreementProposed", "AgreementAccepted"]
    assert p.agreement(a).state is AgreementState.ACTIVE
    with pytest.raises(errors.OfferOverAllocated) as exc:
        p.propose_agreement(con, o, 1, 3_600)
    assert (exc.value.offer_id, exc.value.requested, exc.value.remaining) == (o, 1, 0)


def test_name_is_read_back_from_the_registration_block(park: tuple) -> None:
    p, sup, con, fs, fc = park
    fresh = ChainPlatform(p.chain, p.deployment)  # no name cache
    assert fresh.firm(fs).name == "Supplier" and fresh.firm(fc).name == "Consumer"
    # a firm that left keeps its registration block even after its account registers again
    p.leave_registry(con)
    again = p.register_firm(con, "Consumer II", 2, 0, 0, [], [])
    fresh2 = ChainPlatform(p.chain, p.deployment)
    assert fresh2.firm(fc).name == "Consumer" and fresh2.firm(again).name == "Consumer II"


def test_snapshot_revert_restores_chain_and_name_cache(park: tuple) -> None:
    p, sup, con, fs, fc = park
    snap = p.snapshot()
    acct = p.new_account()
    fid = p.register_firm(acct, "Temporary", 1, 0, 0, [], [])
    p.revert(snap)
    assert p.firm_count() == fid - 1
    acct2 = p.new_account()
    fid2 = p.register_firm(acct2, "Permanent", 1, 0, 0, [], [])
    assert fid2 == fid and p.firm(fid2).name == "Permanent"


def test_search_pages_follow_the_cursor(park: tuple) -> None:
    p, sup, con, fs, fc = park
    t = p.now() + DAY
    ids = p.post_offers(sup, [OfferSpec(S, 100 + i, 150 + i, 1_000, t) for i in range(12)] + [OfferSpec(E, 5, 0, 1, t)])
    assert ids == list(range(ids[0], ids[0] + 13))
    page = p.search_offers(OfferQuery(S, min_quantity=105, x_m=300, y_m=400), cursor=0, limit=3)
    assert [m.offer.offer_id for m in page.matches] == ids[5:8]
    assert all(m.distance_m == 500 for m in page.matches)
    assert page.next_cursor == ids[7] + 1
    found = [m.offer.offer_id for m in search_all(p, OfferQuery(S, min_quantity=105), page_size=4)]
    assert found == ids[5:12]
    near = p.search_offers(OfferQuery(S, max_distance_m=499, x_m=300, y_m=400))
    assert near.matches == [] and near.next_cursor == 0
    with pytest.raises(errors.UnknownEnergyForm):
        p.search_offers(OfferQuery(7))  # type: ignore[arg-type]


def test_batches_are_capped_and_atomic(park: tuple) -> None:
    p, sup, con, fs, fc = park
    t = p.now() + DAY
    with pytest.raises(errors.BatchTooLarge) as exc:
        p.post_offers(sup, [OfferSpec(S, 1, 0, 1, t)] * 257)
    assert (exc.value.length, exc.value.max) == (257, 256)
    count = p.offer_count()
    with pytest.raises(errors.ZeroQuantity):
        p.post_offers(sup, [OfferSpec(S, 1, 0, 1, t), OfferSpec(S, 0, 0, 1, t)])
    assert p.offer_count() == count
    assert p.post_offers(sup, []) == []
    offers = p.post_offers(sup, [OfferSpec(S, 10, 0, 1_000, t, True), OfferSpec(S, 10, 0, 1_000, t)])
    ags = p.propose_agreements(con, [(offers[0], 10, 60), (offers[1], 5, 60)])
    assert [p.agreement(a).state for a in ags] == [AgreementState.ACTIVE, AgreementState.PROPOSED]
    with pytest.raises(errors.BatchTooLarge):
        p.propose_agreements(con, [(offers[1], 1, 1)] * 257)


def test_roles(park: tuple) -> None:
    p, sup, con, fs, fc = park
    oracle = p.new_account()
    assert not p.has_role(Role.OPERATOR, oracle)
    p.grant_role(p.admin, Role.OPERATOR, oracle)
    assert p.has_role(Role.OPERATOR, oracle)
    assert p.last_events[0].name == "RoleGranted"
    assert p.last_events[0].args["role"] == keccak(text="OPERATOR_ROLE")
    p.report_status(oracle, fs, FirmStatus.DISRUPTED)
    assert p.last_events[0].args == {"firmId": fs, "previous": 1, "status": 2, "reporter": oracle}
    p.revoke_role(p.admin, Role.OPERATOR, oracle)
    with pytest.raises(errors.FirmNotOwner):
        p.report_status(oracle, fs, FirmStatus.RECOVERED)


def test_stats_count_gas_by_function(park: tuple) -> None:
    p, sup, con, fs, fc = park
    before = p.stats.copy()
    p.report_status(sup, fs, FirmStatus.DISRUPTED)
    assert p.stats.transactions == before.transactions + 1
    n, gas = p.stats.by_function["reportStatus"]
    assert n == before.by_function.get("reportStatus", [0, 0])[0] + 1 and gas > 21_000
