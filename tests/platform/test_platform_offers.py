"""Searching layer: postOffer, updateOffer, withdrawOffer and the offer views."""

from __future__ import annotations

import pytest

from bois import errors
from bois.platform import Event, Platform
from bois.types import AgreementState, EnergyForm, FirmStatus, OfferStatus
from platform_helpers import HOUR, LONG, TIME_SLACK, Firm, MakeFirm, agree, expect, expect_unchanged, post

F = EnergyForm


def test_post_offer_views_and_event(platform: Platform, make_firm: MakeFirm) -> None:
    a, fa = make_firm(supplies={F.STEAM, F.WASTE_HEAT})
    until = platform.now() + LONG
    tx = platform.stats.transactions
    assert platform.offer_count() == 0
    assert platform.post_offer(a, F.STEAM, 2_500, -40, 2**40 - 1, until, False) == 1
    assert platform.stats.transactions == tx + 1
    assert platform.last_events == [
        Event(
            "OfferPosted",
            {
                "offerId": 1,
                "supplierId": fa,
                "form": 1,
                "quantity": 2_500,
                "temperature": -40,
                "price": 2**40 - 1,
                "validUntil": until,
                "autoAccept": False,
            },
        )
    ]
    o = platform.offer(1)
    assert (o.offer_id, o.supplier_id, o.form, o.quantity, o.reserved) == (1, fa, F.STEAM, 2_500, 0)
    assert (o.temperature_c, o.price, o.valid_until, o.auto_accept, o.status) == (-40, 2**40 - 1, until, False, OfferStatus.OPEN)
    assert o.remaining == 2_500
    # a plain int form is passed through
    assert platform.post_offer(a, 3, 2**64 - 1, 32767, 0, until, True) == 2
    o2 = platform.offer(2)
    assert (o2.form, o2.quantity, o2.temperature_c, o2.price, o2.auto_accept) == (F.WASTE_HEAT, 2**64 - 1, 32767, 0, True)
    assert platform.offer_count() == 2


def test_post_offer_errors_in_order(platform: Platform, make_firm: MakeFirm) -> None:
    a, fa = make_firm(supplies={F.STEAM})
    stranger = platform.new_account()
    future = platform.now() + LONG
    expect_unchanged(platform, errors.FirmNotRegistered(stranger), platform.post_offer, stranger, 7, 0, 0, 0, 0, False)
    platform.report_status(a, fa, FirmStatus.DISRUPTED)
    expect_unchanged(platform, errors.FirmDisrupted(fa), platform.post_offer, a, 7, 0, 0, 0, 0, False)
    platform.report_status(a, fa, FirmStatus.RECOVERED)  # RECOVERED firms trade
    expect_unchanged(platform, errors.UnknownEnergyForm(7), platform.post_offer, a, 7, 0, 0, 0, 0, False)
    expect_unchanged(platform, errors.UnknownEnergyForm(255), platform.post_offer, a, 255, 10, 0, 0, future, False)
    expect_unchanged(platform, errors.FirmFormNotSupplied(fa, 0), platform.post_offer, a, F.ELECTRICITY, 0, 0, 0, 0, False)
    expect_unchanged(platform, errors.ZeroQuantity(), platform.post_offer, a, F.STEAM, 0, 0, 0, 0, False)
    # validity must lie in the future; the error names the chain time that judged it
    for until in (0, platform.now()):
        t0 = platform.now()
        with pytest.raises(errors.OfferInvalidValidity) as info:
            platform.post_offer(a, F.STEAM, 10, 0, 0, until, False)
        assert info.value.valid_until == until
        assert t0 <= info.value.now <= t0 + TIME_SLACK
    assert platform.offer_count() == 0
    assert post(platform, a) == 1


def test_update_offer(platform: Platform, firms: list[Firm]) -> None:
    (a, fa), (b, _), _ = firms
    offer = post(platform, a, quantity=1_000, price=5_000)
    ag = agree(platform, b, a, offer, 300)
    until = platform.now() + 2 * LONG
    platform.update_offer(a, offer, 300, 95, 7_000, until)  # down to exactly the reserved amount
    assert platform.last_events == [
        Event("OfferUpdated", {"offerId": offer, "quantity": 300, "temperature": 95, "price": 7_000, "validUntil": until})
    ]
    o = platform.offer(offer)
    assert (o.quantity, o.reserved, o.temperature_c, o.price, o.valid_until) == (300, 300, 95, 7_000, until)
    assert o.form == F.STEAM and o.status == OfferStatus.OPEN
    # live agreements keep the price they were proposed at
    assert platform.agreement(ag).price == 5_000
    platform.update_offer(a, offer, 800, 95, 6_000, until)
    assert platform.propose_agreement(b, offer, 500, HOUR) == ag + 1
    assert platform.agreement(ag + 1).price == 6_000


def test_update_offer_errors_in_order(platform: Platform, firms: list[Firm]) -> None:
    (a, fa), (b, _), _ = firms
    offer = post(platform, a, quantity=1_000)
    agree(platform, b, a, offer, 400)
    future = platform.now() + LONG
    for unknown in (0, offer + 1):
        expect_unchanged(platform, errors.OfferUnknown(unknown), platform.update_offer, b, unknown, 0, 0, 0, 0)
    expect_unchanged(platform, errors.FirmNotOwner(fa, b), platform.update_offer, b, offer, 0, 0, 0, 0)
    stranger = platform.new_account()
    expect_unchanged(platform, errors.FirmNotOwner(fa, stranger), platform.update_offer, stranger, offer, 0, 0, 0, 0)
    platform.report_status(a, fa, FirmStatus.DISRUPTED)
    expect_unchanged(platform, errors.FirmDisrupted(fa), platform.update_offer, a, offer, 0, 0, 0, 0)
    platform.report_status(a, fa, FirmStatus.RECOVERED)
    expect_unchanged(platform, errors.ZeroQuantity(), platform.update_offer, a, offer, 0, 0, 0, 0)
    expect_unchanged(platform, errors.OfferBelowReserved(offer, 399, 400), platform.update_offer, a, offer, 399, 0, 0, 0)
    t0 = platform.now()
    with pytest.raises(errors.OfferInvalidValidity) as info:
        platform.update_offer(a, offer, 400, 0, 0, t0)
    assert info.value.valid_until == t0 and t0 <= info.value.now <= t0 + TIME_SLACK
    o = platform.offer(offer)
    assert (o.quantity, o.reserved, o.price) == (1_000, 400, 4_000)
    # a withdrawn offer is not open: after ownership, before the supplier's status
    platform.withdraw_offer(a, offer)
    expect(errors.FirmNotOwner(fa, b), platform.update_offer, b, offer, 500, 0, 0, future)
    platform.report_status(a, fa, FirmStatus.DISRUPTED)
    expect(errors.OfferNotOpen(offer), platform.update_offer, a, offer, 0, 0, 0, 0)


def test_withdraw_offer(platform: Platform, firms: list[Firm]) -> None:
    (a, fa), (b, _), _ = firms
    offer = post(platform, a)
    ag = agree(platform, b, a, offer, 100)
    expect_unchanged(platform, errors.OfferUnknown(offer + 1), platform.withdraw_offer, a, offer + 1)
    expect_unchanged(platform, errors.FirmNotOwner(fa, b), platform.withdraw_offer, b, offer)
    platform.report_status(a, fa, FirmStatus.DISRUPTED)
    platform.withdraw_offer(a, offer)  # a disrupted firm may withdraw
    assert platform.last_events == [Event("OfferWithdrawn", {"offerId": offer})]
    o = platform.offer(offer)
    assert o.status == OfferStatus.WITHDRAWN and o.reserved == 100
    expect_unchanged(platform, errors.OfferNotOpen(offer), platform.withdraw_offer, a, offer)
    expect_unchanged(platform, errors.FirmNotOwner(fa, b), platform.withdraw_offer, b, offer)
    # the live agreement continues: suspended while disrupted, active again after
    assert platform.agreement(ag).state == AgreementState.SUSPENDED
    platform.report_status(a, fa, FirmStatus.RECOVERED)
    assert platform.agreement(ag).state == AgreementState.ACTIVE
    platform.record_delivery(b, ag, 5)
    platform.terminate_agreement(a, ag)
    assert platform.offer(offer).reserved == 0


def test_offer_view_unknown(platform: Platform, firms: list[Firm]) -> None:
    expect(errors.OfferUnknown(0), platform.offer, 0)
    expect(errors.OfferUnknown(1), platform.offer, 1)
    post(platform, firms[0][0])
    expect(errors.OfferUnknown(2), platform.offer, 2)
    assert platform.offer(1).offer_id == 1
