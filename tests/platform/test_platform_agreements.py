"""Execution layer: F2F agreements (propose, accept, reject, terminate, close, deliveries)."""

from __future__ import annotations

from typing import Any

from bois import errors
from bois.platform import Event, Platform
from bois.types import AgreementState, EnergyForm, FirmStatus, OfferStatus
from platform_helpers import HOUR, LONG, TIME_SLACK, Firm, agree, expect, expect_unchanged, post

A = AgreementState
F = EnergyForm


def test_propose_views_and_event(platform: Platform, firms: list[Firm]) -> None:
    (a, fa), (b, fb), _ = firms
    offer = post(platform, a, price=4_321)
    assert platform.agreement_count() == 0
    assert platform.propose_agreement(b, offer, 600, 2 * HOUR) == 1
    assert platform.last_events == [
        Event("AgreementProposed", {"agreementId": 1, "offerId": offer, "consumerId": fb, "quantity": 600, "duration": 2 * HOUR})
    ]
    ag = platform.agreement(1)
    assert (ag.agreement_id, ag.offer_id, ag.supplier_id, ag.consumer_id) == (1, offer, fa, fb)
    assert (ag.quantity, ag.price, ag.state, ag.started_at, ag.ends_at, ag.duration_s, ag.delivered) == (
        600, 4_321, A.PROPOSED, 0, 0, 2 * HOUR, 0
    )
    assert platform.agreement_count() == 1
    # a proposal reserves nothing and is not live
    assert platform.offer(offer).reserved == 0
    assert platform.firm(fa).live_agreements == platform.firm(fb).live_agreements == 0
    # proposals may together exceed the offer; acceptance decides
    assert platform.propose_agreement(b, offer, 1_000, HOUR) == 2


def test_propose_errors_in_order(platform: Platform, firms: list[Firm]) -> None:
    (a, fa), (b, fb), (c, fc) = firms
    offer = post(platform, a, quantity=1_000)
    stranger = platform.new_account()
    expect_unchanged(platform, errors.FirmNotRegistered(stranger), platform.propose_agreement, stranger, 999, 0, 0)
    platform.report_status(b, fb, FirmStatus.DISRUPTED)
    expect_unchanged(platform, errors.FirmDisrupted(fb), platform.propose_agreement, b, 999, 0, 0)
    platform.report_status(b, fb, FirmStatus.RECOVERED)
    for unknown in (0, offer + 1):
        expect_unchanged(platform, errors.OfferUnknown(unknown), platform.propose_agreement, b, unknown, 0, 0)
    withdrawn = post(platform, a)
    platform.withdraw_offer(a, withdrawn)
    expect_unchanged(platform, errors.OfferNotOpen(withdrawn), platform.propose_agreement, b, withdrawn, 0, 0)
    # self-dealing is checked after the supplier's status, before quantities
    expect_unchanged(platform, errors.AgreementSelfDealing(fa), platform.propose_agreement, a, offer, 0, 0)
    platform.report_status(a, fa, FirmStatus.DISRUPTED)
    expect_unchanged(platform, errors.FirmDisrupted(fa), platform.propose_agreement, b, offer, 0, 0)
    platform.report_status(a, fa, FirmStatus.RECOVERED)
    expect_unchanged(platform, errors.ZeroQuantity(), platform.propose_agreement, b, offer, 0, 0)
    expect_unchanged(platform, errors.AgreementZeroDuration(), platform.propose_agreement, b, offer, 1_001, 0)
    expect_unchanged(platform, errors.OfferOverAllocated(offer, 1_001, 1_000), platform.propose_agreement, b, offer, 1_001, 1)
    agree(platform, c, a, offer, 700)
    expect_unchanged(platform, errors.OfferOverAllocated(offer, 301, 300), platform.propose_agreement, b, offer, 301, HOUR)
    assert platform.propose_agreement(b, offer, 300, 1) > 0  # exactly the remainder, one second
    # expiry is checked right after the offer's status, before the supplier
    short = post(platform, a, valid_for=1_000)
    platform.advance_time(2_000)
    until = platform.offer(short).valid_until
    platform.report_status(a, fa, FirmStatus.DISRUPTED)
    expect_unchanged(platform, errors.OfferExpired(short, until), platform.propose_agreement, b, short, 0, 0)
    # a supplier that left: its (still open, unexpired) offers name it unknown
    live = post(platform, c, valid_for=LONG)
    platform.terminate_agreement(c, 1)
    platform.leave_registry(c)
    expect_unchanged(platform, errors.FirmUnknown(fc), platform.propose_agreement, b, live, 0, 0)
    assert platform.offer(live).status == OfferStatus.OPEN


def test_accept(platform: Platform, firms: list[Firm]) -> None:
    (a, fa), (b, fb), (c, fc) = firms
    offer = post(platform, a, quantity=1_000)
    ag1 = platform.propose_agreement(b, offer, 600, HOUR)
    ag2 = platform.propose_agreement(c, offer, 300, 2 * HOUR)
    t0 = platform.now()
    platform.accept_agreement(a, ag1)
    view = platform.agreement(ag1)
    assert view.state == A.ACTIVE
    assert t0 <= view.started_at <= t0 + TIME_SLACK
    assert view.ends_at == view.started_at + HOUR
    assert platform.last_events == [
        Event("AgreementAccepted", {"agreementId": ag1, "offerId": offer, "reserved": 600, "endsAt": view.ends_at})
    ]
    platform.accept_agreement(a, ag2)
    view2 = platform.agreement(ag2)
    assert platform.last_events == [
        Event("AgreementAccepted", {"agreementId": ag2, "offerId": offer, "reserved": 900, "endsAt": view2.ends_at})
    ]
    assert view2.ends_at == view2.started_at + 2 * HOUR
    assert platform.offer(offer).reserved == 900
    assert [platform.firm(f).live_agreements for f in (fa, fb, fc)] == [2, 1, 1]


def test_accept_errors_in_order(platform: Platform, firms: list[Firm]) -> None:
    (a, fa), (b, fb), (c, fc) = firms
    offer = post(platform, a, quantity=1_000)
    p1 = platform.propose_agreement(b, offer, 600, HOUR)
    p2 = platform.propose_agreement(c, offer, 600, HOUR)
    for unknown in (0, p2 + 1):
        expect_unchanged(platform, errors.AgreementUnknown(unknown), platform.accept_agreement, a, unknown)
    for caller in (b, c, platform.admin):  # the consumer, another firm, the admin
        expect_unchanged(platform, errors.AgreementNotSupplier(p1, caller), platform.accept_agreement, caller, p1)
    platform.accept_agreement(a, p1)
    expect_unchanged(platform, errors.AgreementWrongState(p1, int(A.ACTIVE)), platform.accept_agreement, a, p1)
    expect_unchanged(platform, errors.AgreementNotSupplier(p1, b), platform.accept_agreement, b, p1)  # caller first
    # the second proposal no longer fits
    expect_unchanged(platform, errors.OfferOverAllocated(offer, 600, 400), platform.accept_agreement, a, p2)
    platform.report_status(a, fa, FirmStatus.DISRUPTED)
    expect_unchanged(platform, errors.FirmDisrupted(fa), platform.accept_agreement, a, p2)
    expect_unchanged(platform, errors.AgreementWrongState(p1, int(A.SUSPENDED)), platform.accept_agreement, a, p1)
    platform.report_status(a, fa, FirmStatus.RECOVERED)
    # a consumer that left
    p3 = platform.propose_agreement(c, offer, 100, HOUR)
    platform.leave_registry(c)
    expect_unchanged(platform, errors.FirmUnknown(fc), platform.accept_agreement, a, p3)
    # a withdrawn offer, then an expired one
    p4 = platform.propose_agreement(b, offer, 100, HOUR)
    platform.withdraw_offer(a, offer)
    expect_unchanged(platform, errors.OfferNotOpen(offer), platform.accept_agreement, a, p4)
    short = post(platform, a, valid_for=1_000)
    p5 = platform.propose_agreement(b, short, 100, HOUR)
    platform.advance_time(2_000)
    expect_unchanged(platform, errors.OfferExpired(short, platform.offer(short).valid_until), platform.accept_agreement, a, p5)
    platform.reject_agreement(a, p5)
    expect_unchanged(platform, errors.AgreementWrongState(p5, int(A.REJECTED)), platform.accept_agreement, a, p5)
    assert platform.offer(offer).reserved == 600
    assert [platform.agreement(i).state for i in (p1, p2, p3, p4, p5)] == [A.ACTIVE, A.PROPOSED, A.PROPOSED, A.PROPOSED, A.REJECTED]


def test_auto_accept(platform: Platform, firms: list[Firm]) -> None:
    (a, fa), (b, fb), _ = firms
    offer = post(platform, a, quantity=500, auto=True)
    ag = platform.propose_agreement(b, offer, 200, HOUR)
    view = platform.agreement(ag)
    assert view.state == A.ACTIVE and view.ends_at == view.started_at + HOUR > 0
    assert platform.last_events == [
        Event("AgreementProposed", {"agreementId": ag, "offerId": offer, "consumerId": fb, "quantity": 200, "duration": HOUR}),
        Event("AgreementAccepted", {"agreementId": ag, "offerId": offer, "reserved": 200, "endsAt": view.ends_at}),
    ]
    assert platform.offer(offer).reserved == 200
    assert platform.firm(fa).live_agreements == platform.firm(fb).live_agreements == 1
    ag2 = platform.propose_agreement(b, offer, 300, HOUR)
    assert platform.last_events[1].args["reserved"] == 500
    expect_unchanged(platform, errors.OfferOverAllocated(offer, 1, 0), platform.propose_agreement, b, offer, 1, HOUR)
    platform.terminate_agreement(a, ag2)
    assert platform.offer(offer).reserved == 200


def test_reject(platform: Platform, firms: list[Firm]) -> None:
    (a, fa), (b, _), _ = firms
    offer = post(platform, a)
    p = platform.propose_agreement(b, offer, 100, HOUR)
    expect_unchanged(platform, errors.AgreementUnknown(p + 1), platform.reject_agreement, a, p + 1)
    expect_unchanged(platform, errors.AgreementNotSupplier(p, b), platform.reject_agreement, b, p)
    platform.report_status(a, fa, FirmStatus.DISRUPTED)  # a disrupted supplier may reject
    platform.reject_agreement(a, p)
    assert platform.last_events == [Event("AgreementRejected", {"agreementId": p})]
    assert platform.agreement(p).state == A.REJECTED
    expect_unchanged(platform, errors.AgreementWrongState(p, int(A.REJECTED)), platform.reject_agreement, a, p)
    expect_unchanged(platform, errors.AgreementWrongState(p, int(A.REJECTED)), platform.terminate_agreement, b, p)
    platform.report_status(a, fa, FirmStatus.RECOVERED)
    live = agree(platform, b, a, offer, 100)
    expect_unchanged(platform, errors.AgreementWrongState(live, int(A.ACTIVE)), platform.reject_agreement, a, live)


def test_terminate(platform: Platform, firms: list[Firm]) -> None:
    (a, fa), (b, fb), (c, fc) = firms
    offer = post(platform, a, quantity=1_000)
    ag = agree(platform, b, a, offer, 400)
    p = platform.propose_agreement(b, offer, 100, HOUR)
    stranger = platform.new_account()
    expect_unchanged(platform, errors.AgreementUnknown(p + 1), platform.terminate_agreement, a, p + 1)
    for caller in (c, stranger, platform.admin):
        expect_unchanged(platform, errors.AgreementNotParty(ag, caller), platform.terminate_agreement, caller, ag)
    # a proposal: either party, nothing to release
    platform.terminate_agreement(a, p)
    assert platform.last_events == [Event("AgreementTerminated", {"agreementId": p, "by": a})]
    assert platform.agreement(p).state == A.TERMINATED
    assert platform.offer(offer).reserved == 400
    # a live one, by the consumer while the supplier is disrupted (SUSPENDED)
    platform.report_status(a, fa, FirmStatus.DISRUPTED)
    assert platform.agreement(ag).state == A.SUSPENDED
    platform.terminate_agreement(b, ag)
    assert platform.last_events == [Event("AgreementTerminated", {"agreementId": ag, "by": b})]
    assert platform.agreement(ag).state == A.TERMINATED
    assert platform.offer(offer).reserved == 0
    assert platform.firm(fa).live_agreements == platform.firm(fb).live_agreements == 0
    expect_unchanged(platform, errors.AgreementWrongState(ag, int(A.TERMINATED)), platform.terminate_agreement, b, ag)
    expect_unchanged(platform, errors.AgreementNotParty(ag, c), platform.terminate_agreement, c, ag)  # party first


def test_expiry_and_close(platform: Platform, firms: list[Firm]) -> None:
    (a, fa), (b, fb), _ = firms
    offer = post(platform, a, quantity=1_000)
    ag = agree(platform, b, a, offer, 250, HOUR)
    ends_at = platform.agreement(ag).ends_at
    closer = platform.new_account()  # anyone may close, even without a firm
    expect_unchanged(platform, errors.AgreementNotExpired(ag, ends_at), platform.close_agreement, closer, ag)
    expect_unchanged(platform, errors.AgreementUnknown(ag + 1), platform.close_agreement, closer, ag + 1)
    p = platform.propose_agreement(b, offer, 10, HOUR)
    expect_unchanged(platform, errors.AgreementWrongState(p, int(A.PROPOSED)), platform.close_agreement, closer, p)
    platform.advance_time(ends_at - platform.now() + 60)
    assert platform.agreement(ag).state == A.EXPIRED
    # still live until closed: reserves capacity, counts, takes no delivery
    assert platform.offer(offer).reserved == 250
    assert platform.firm(fa).live_agreements == 1
    expect_unchanged(platform, errors.AgreementWrongState(ag, int(A.EXPIRED)), platform.record_delivery, b, ag, 1)
    expect_unchanged(platform, errors.FirmHasLiveAgreements(fb, 1), platform.leave_registry, b)
    # expiry wins over suspension
    platform.report_status(a, fa, FirmStatus.DISRUPTED)
    assert platform.agreement(ag).state == A.EXPIRED
    platform.close_agreement(closer, ag)
    assert platform.last_events == [Event("AgreementClosed", {"agreementId": ag})]
    assert platform.agreement(ag).state == A.CLOSED
    assert platform.offer(offer).reserved == 0
    assert platform.firm(fa).live_agreements == platform.firm(fb).live_agreements == 0
    expect_unchanged(platform, errors.AgreementWrongState(ag, int(A.CLOSED)), platform.close_agreement, closer, ag)
    expect_unchanged(platform, errors.AgreementWrongState(ag, int(A.CLOSED)), platform.terminate_agreement, a, ag)
    # an expired agreement may also be terminated by a party instead
    platform.report_status(a, fa, FirmStatus.RECOVERED)
    ag2 = agree(platform, b, a, offer, 100, 60)
    platform.advance_time(600)
    assert platform.agreement(ag2).state == A.EXPIRED
    platform.terminate_agreement(a, ag2)
    assert platform.agreement(ag2).state == A.TERMINATED
    assert platform.offer(offer).reserved == 0


def test_record_delivery(platform: Platform, firms: list[Firm]) -> None:
    (a, fa), (b, fb), (c, _) = firms
    offer = post(platform, a, quantity=1_000, price=4_001)
    ag = agree(platform, b, a, offer, 500)
    platform.record_delivery(b, ag, 333)
    # 333 kWh at 4001 cents/MWh = 1332.333 cents, floored
    assert platform.last_events == [
        Event("DeliveryRecorded", {"agreementId": ag, "quantity": 333, "delivered": 333, "amountDue": 1_332})
    ]
    platform.record_delivery(b, ag, 2**64 - 1)  # quantities are not capped by the agreement
    assert platform.last_events == [
        Event(
            "DeliveryRecorded",
            {"agreementId": ag, "quantity": 2**64 - 1, "delivered": 333 + 2**64 - 1, "amountDue": (2**64 - 1) * 4_001 // 1000},
        )
    ]
    assert platform.agreement(ag).delivered == 333 + 2**64 - 1
    expect_unchanged(platform, errors.AgreementUnknown(ag + 1), platform.record_delivery, b, ag + 1, 1)
    for caller in (a, c, platform.admin):  # not the supplier, nor a third firm, nor the admin
        expect_unchanged(platform, errors.AgreementNotMeter(ag, caller), platform.record_delivery, caller, ag, 0)
    expect_unchanged(platform, errors.ZeroQuantity(), platform.record_delivery, b, ag, 0)
    p = platform.propose_agreement(b, offer, 10, HOUR)
    expect_unchanged(platform, errors.AgreementWrongState(p, int(A.PROPOSED)), platform.record_delivery, b, p, 0)
    platform.report_status(a, fa, FirmStatus.DISRUPTED)
    expect_unchanged(platform, errors.AgreementWrongState(ag, int(A.SUSPENDED)), platform.record_delivery, b, ag, 0)
    platform.report_status(a, fa, FirmStatus.RECOVERED)
    platform.record_delivery(b, ag, 1)
    assert platform.last_events[0].args["amountDue"] == 4  # 4.001 floored
    # a disrupted consumer may still record what it received
    platform.report_status(b, fb, FirmStatus.DISRUPTED)
    platform.record_delivery(b, ag, 1)


def test_full_lifecycle(platform: Platform, make_firm: Any) -> None:
    """Register, offer, search, propose, accept, deliver, disruption, recovery, end, leave."""
    from bois.types import OfferQuery

    supplier, fs = make_firm(supplies={F.STEAM}, needs=set(), x=0, y=0, name="Power station")
    consumer, fc = make_firm(supplies=set(), needs={F.STEAM}, x=300, y=400, name="Refinery")
    offer = platform.post_offer(supplier, F.STEAM, 1_000, 200, 3_500, platform.now() + LONG, False)
    page = platform.search_offers(OfferQuery(F.STEAM, min_quantity=800, min_temperature_c=150, max_distance_m=500, x_m=300, y_m=400))
    assert [(m.offer.offer_id, m.distance_m) for m in page.matches] == [(offer, 500)]
    ag = platform.propose_agreement(consumer, offer, 800, 10 * HOUR)
    platform.accept_agreement(supplier, ag)
    assert platform.search_offers(OfferQuery(F.STEAM, min_quantity=800)).matches == []
    platform.record_delivery(consumer, ag, 800)
    assert platform.last_events[0].args["amountDue"] == 2_800
    # the supplier is disrupted: the agreement is suspended, deliveries refused, offers hidden
    platform.report_status(supplier, fs, FirmStatus.DISRUPTED)
    assert platform.agreement(ag).state == A.SUSPENDED
    expect(errors.AgreementWrongState(ag, int(A.SUSPENDED)), platform.record_delivery, consumer, ag, 800)
    assert platform.search_offers(OfferQuery(F.STEAM)).matches == []
    # recovered: the agreement resumes
    platform.report_status(supplier, fs, FirmStatus.RECOVERED)
    assert platform.agreement(ag).state == A.ACTIVE
    platform.record_delivery(consumer, ag, 800)
    assert platform.agreement(ag).delivered == 1_600
    platform.report_status(supplier, fs, FirmStatus.OPERATING)
    # ended: capacity released, both firms may leave
    platform.terminate_agreement(consumer, ag)
    assert platform.offer(offer).reserved == 0
    assert [m.offer.offer_id for m in platform.search_offers(OfferQuery(F.STEAM, min_quantity=1_000)).matches] == [offer]
    platform.leave_registry(consumer)
    platform.leave_registry(supplier)
    assert platform.firm(fs).status == platform.firm(fc).status == FirmStatus.LEFT
    assert platform.search_offers(OfferQuery(F.STEAM)).matches == []
