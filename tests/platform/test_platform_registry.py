"""Physical layer: the firm registry (registerFirm, reportStatus, leaveRegistry, views)."""

from __future__ import annotations

from bois import errors
from bois.platform import Event, Platform, Role
from bois.types import EnergyForm, FirmStatus
from platform_helpers import ALL_FORMS, Firm, MakeFirm, agree, expect, expect_unchanged, post

S = FirmStatus


def test_register_firm_views_and_event(platform: Platform) -> None:
    assert platform.firm_count() == 0
    alice = platform.new_account()
    assert platform.firm_id_of(alice) == 0
    tx0 = platform.stats.transactions
    supplies = {EnergyForm.STEAM, EnergyForm.WASTE_HEAT}
    firm_id = platform.register_firm(alice, "Novo Nordisk", 21, -1500, 2_000_000, supplies, [EnergyForm.ELECTRICITY])
    assert firm_id == 1
    assert platform.stats.transactions == tx0 + 1
    assert platform.last_events == [
        Event(
            "FirmRegistered",
            {
                "firmId": 1,
                "owner": alice,
                "name": "Novo Nordisk",
                "sector": 21,
                "x": -1500,
                "y": 2_000_000,
                "supplies": 0b1010,
                "needs": 0b1,
            },
        )
    ]
    f = platform.firm(1)
    assert (f.firm_id, f.owner, f.name, f.sector, f.x_m, f.y_m) == (1, alice, "Novo Nordisk", 21, -1500, 2_000_000)
    assert f.supplies == frozenset(supplies)
    assert f.needs == frozenset({EnergyForm.ELECTRICITY})
    assert f.status == S.OPERATING
    assert f.live_agreements == 0
    assert platform.firm_id_of(alice) == 1
    assert platform.firm_count() == 1

    bob = platform.new_account()
    assert platform.register_firm(bob, "Equinor", 0, 0, 0, [], ALL_FORMS) == 2
    assert platform.firm(2).supplies == frozenset()
    assert platform.firm(2).needs == ALL_FORMS
    assert platform.last_events[0].args["supplies"] == 0
    assert platform.last_events[0].args["needs"] == 0x7F
    assert platform.firm_count() == 2
    assert platform.firm_id_of(bob) == 2


def test_register_accepts_plain_int_forms_and_extreme_coordinates(platform: Platform) -> None:
    acct = platform.new_account()
    firm_id = platform.register_firm(acct, "x", 255, -(2**31), 2**31 - 1, [0, 6], [1])
    f = platform.firm(firm_id)
    assert f.supplies == frozenset({EnergyForm.ELECTRICITY, EnergyForm.COOLING_WATER})
    assert (f.sector, f.x_m, f.y_m) == (255, -(2**31), 2**31 - 1)


def test_register_errors_in_order(platform: Platform, make_firm: MakeFirm) -> None:
    acct, firm_id = make_firm()
    # already registered wins over every other problem
    expect_unchanged(platform, errors.FirmAlreadyRegistered(acct, firm_id), platform.register_firm, acct, "", 0, 0, 0, [7], [7])
    other = platform.new_account()
    # name before forms
    expect_unchanged(platform, errors.FirmInvalidName(0), platform.register_firm, other, "", 0, 0, 0, [7], [7])
    expect_unchanged(platform, errors.FirmInvalidName(65), platform.register_firm, other, "a" * 65, 0, 0, 0, [], [])
    # the length is in UTF-8 bytes: 33 two-byte characters are 66 bytes
    expect_unchanged(platform, errors.FirmInvalidName(66), platform.register_firm, other, "é" * 33, 0, 0, 0, [], [])
    # supplies before needs; the error carries the whole mask
    expect_unchanged(
        platform, errors.UnknownEnergyForm(0x82), platform.register_firm, other, "ok", 0, 0, 0, [7, EnergyForm.STEAM], [7]
    )
    expect_unchanged(platform, errors.UnknownEnergyForm(0x81), platform.register_firm, other, "ok", 0, 0, 0, [], [7, 0])
    assert platform.firm_id_of(other) == 0
    # 64 bytes is the longest name accepted
    assert platform.register_firm(other, "é" * 32, 0, 0, 0, [], []) == firm_id + 1
    assert platform.firm(firm_id + 1).name == "é" * 32


def test_status_transitions(platform: Platform, make_firm: MakeFirm) -> None:
    acct, fid = make_firm()

    def bad(current: S, requested: int) -> None:
        expect_unchanged(platform, errors.FirmInvalidStatus(fid, int(current), requested), platform.report_status, acct, fid, requested)
        assert platform.firm(fid).status == current

    def good(previous: S, status: S) -> None:
        platform.report_status(acct, fid, status)
        assert platform.last_events == [
            Event("FirmStatusReported", {"firmId": fid, "previous": int(previous), "status": int(status), "reporter": acct})
        ]
        assert platform.firm(fid).status == status

    for requested in (S.NONE, S.OPERATING, S.RECOVERED, S.LEFT, 5, 255):
        bad(S.OPERATING, requested)
    good(S.OPERATING, S.DISRUPTED)
    for requested in (S.NONE, S.OPERATING, S.DISRUPTED, S.LEFT, 5):
        bad(S.DISRUPTED, requested)
    good(S.DISRUPTED, S.RECOVERED)
    for requested in (S.NONE, S.RECOVERED, S.LEFT, 7):
        bad(S.RECOVERED, requested)
    good(S.RECOVERED, S.DISRUPTED)
    good(S.DISRUPTED, S.RECOVERED)
    good(S.RECOVERED, S.OPERATING)
    # a plain int status is passed through
    platform.report_status(acct, fid, 2)
    assert platform.firm(fid).status == S.DISRUPTED


def test_report_status_access(platform: Platform, make_firm: MakeFirm) -> None:
    (a, fa), (b, fb) = make_firm(), make_firm()
    stranger = platform.new_account()
    # another firm, an account without a firm, and the admin without OPERATOR_ROLE
    for caller in (b, stranger, platform.admin):
        expect_unchanged(platform, errors.FirmNotOwner(fa, caller), platform.report_status, caller, fa, S.DISRUPTED)
    # ownership is checked before the status value
    expect(errors.FirmNotOwner(fa, b), platform.report_status, b, fa, 9)
    # unknown firms come first
    for unknown in (0, fb + 1, 2**32 - 1):
        expect(errors.FirmUnknown(unknown), platform.report_status, stranger, unknown, S.DISRUPTED)
        expect(errors.FirmUnknown(unknown), platform.firm, unknown)
    # an operator may report for any firm, and is named as the reporter
    platform.grant_role(platform.admin, Role.OPERATOR, stranger)
    platform.report_status(stranger, fa, S.DISRUPTED)
    assert platform.last_events == [
        Event("FirmStatusReported", {"firmId": fa, "previous": 1, "status": 2, "reporter": stranger})
    ]
    expect(errors.FirmInvalidStatus(fa, 2, 2), platform.report_status, stranger, fa, S.DISRUPTED)
    platform.report_status(a, fa, S.RECOVERED)  # the owner too
    platform.revoke_role(platform.admin, Role.OPERATOR, stranger)
    expect(errors.FirmNotOwner(fb, stranger), platform.report_status, stranger, fb, S.DISRUPTED)
    assert platform.firm(fa).status == S.RECOVERED
    assert platform.firm(fb).status == S.OPERATING


def test_leave_registry(platform: Platform, make_firm: MakeFirm) -> None:
    (a, fa), (b, fb) = make_firm(), make_firm()
    stranger = platform.new_account()
    expect_unchanged(platform, errors.FirmNotRegistered(stranger), platform.leave_registry, stranger)
    offer = post(platform, a)
    ag = agree(platform, b, a, offer, 100)
    expect_unchanged(platform, errors.FirmHasLiveAgreements(fa, 1), platform.leave_registry, a)
    expect_unchanged(platform, errors.FirmHasLiveAgreements(fb, 1), platform.leave_registry, b)
    platform.terminate_agreement(b, ag)
    pending = platform.propose_agreement(b, offer, 10, 3600)  # proposals are not live: no obstacle
    platform.leave_registry(a)
    assert platform.last_events == [Event("FirmLeft", {"firmId": fa, "owner": a})]
    f = platform.firm(fa)
    assert f.status == S.LEFT and f.owner == a and f.live_agreements == 0
    assert platform.firm_id_of(a) == 0
    assert platform.firm_count() == 2
    # a left firm is unknown to status reports, and its account owns nothing
    expect(errors.FirmUnknown(fa), platform.report_status, a, fa, S.DISRUPTED)
    expect(errors.FirmNotRegistered(a), platform.leave_registry, a)
    expect(errors.FirmNotRegistered(a), platform.post_offer, a, EnergyForm.STEAM, 1, 0, 1, platform.now() + 1000, False)
    # its offers are dead: proposals name the supplier unknown
    expect(errors.FirmUnknown(fa), platform.propose_agreement, b, offer, 10, 3600)
    # ownership is current: the former owner no longer owns the firm, its offers or its proposals
    expect(errors.FirmNotOwner(fa, a), platform.withdraw_offer, a, offer)
    expect(errors.FirmNotOwner(fa, a), platform.update_offer, a, offer, 5, 0, 0, platform.now() + 1000)
    expect(errors.AgreementNotSupplier(pending, a), platform.accept_agreement, a, pending)
    expect(errors.AgreementNotParty(pending, a), platform.terminate_agreement, a, pending)
    platform.terminate_agreement(b, pending)  # the consumer still may
    # the account may register again, with a new id
    assert platform.register_firm(a, "again", 3, 5, 5, [], []) == 3
    assert platform.firm_id_of(a) == 3
    assert platform.firm(fa).status == S.LEFT


def test_disrupted_firm_can_leave(platform: Platform, make_firm: MakeFirm) -> None:
    a, fa = make_firm()
    platform.report_status(a, fa, S.DISRUPTED)
    platform.leave_registry(a)
    assert platform.firm(fa).status == S.LEFT


def test_live_counters_follow_agreements(platform: Platform, firms: list[Firm]) -> None:
    (a, fa), (b, fb), (c, fc) = firms
    o1 = post(platform, a, quantity=1000)
    o2 = post(platform, b, EnergyForm.ELECTRICITY, quantity=500)
    ag1 = agree(platform, b, a, o1, 100)
    ag2 = agree(platform, c, a, o1, 200)
    ag3 = agree(platform, a, b, o2, 300)
    platform.propose_agreement(c, o2, 50, 3600)  # proposals are not live
    assert [platform.firm(f).live_agreements for f in (fa, fb, fc)] == [3, 2, 1]
    platform.terminate_agreement(a, ag1)
    assert [platform.firm(f).live_agreements for f in (fa, fb, fc)] == [2, 1, 1]
    platform.terminate_agreement(c, ag2)
    platform.terminate_agreement(b, ag3)
    assert [platform.firm(f).live_agreements for f in (fa, fb, fc)] == [0, 0, 0]


def test_firm_view_unknown(platform: Platform) -> None:
    expect(errors.FirmUnknown(0), platform.firm, 0)
    expect(errors.FirmUnknown(1), platform.firm, 1)
