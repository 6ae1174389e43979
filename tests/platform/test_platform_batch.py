"""Batch calls: postOffers and proposeAgreements (one transaction, all or nothing, <= 256 items)."""

from __future__ import annotations

import pytest

from bois import errors
from bois.platform import Event, Platform
from bois.types import AgreementState, EnergyForm
from platform_helpers import HOUR, LONG, Firm, expect_unchanged, post

F = EnergyForm


@pytest.fixture(autouse=True)
def _needs_batches(platform: Platform) -> None:
    if not hasattr(platform, "post_offers") or not hasattr(platform, "propose_agreements"):
        pytest.fail(f"{type(platform).__name__} has no batch methods")


def test_post_offers(platform: Platform, firms: list[Firm]) -> None:
    (a, fa), _, _ = firms
    until = platform.now() + LONG
    tx = platform.stats.transactions
    ids = platform.post_offers(  # type: ignore[attr-defined]
        a, [(F.STEAM, 100, 150, 1_000, until, False), (4, 200, 0, 2_000, until + 1, True)]
    )
    assert ids == [1, 2]
    assert platform.stats.transactions == tx + 1
    assert platform.last_events == [
        Event("OfferPosted", {"offerId": 1, "supplierId": fa, "form": 1, "quantity": 100, "temperature": 150,
                              "price": 1_000, "validUntil": until, "autoAccept": False}),
        Event("OfferPosted", {"offerId": 2, "supplierId": fa, "form": 4, "quantity": 200, "temperature": 0,
                              "price": 2_000, "validUntil": until + 1, "autoAccept": True}),
    ]
    assert platform.offer(2).form == F.FUEL_GAS and platform.offer(2).auto_accept
    assert platform.post_offers(a, []) == []  # type: ignore[attr-defined]


def test_post_offers_all_or_nothing(platform: Platform, make_firm: object) -> None:
    a, fa = make_firm(supplies={F.STEAM})  # type: ignore[operator]
    until = platform.now() + LONG
    good = (F.STEAM, 100, 150, 1_000, until, False)
    expect_unchanged(platform, errors.FirmFormNotSupplied(fa, 2), platform.post_offers, a, [good, good, (F.DISTRICT_HEAT, 1, 0, 0, until, False)])  # type: ignore[attr-defined]
    expect_unchanged(platform, errors.ZeroQuantity(), platform.post_offers, a, [good, (F.STEAM, 0, 0, 0, until, False)])  # type: ignore[attr-defined]
    expect_unchanged(platform, errors.BatchTooLarge(257, 256), platform.post_offers, a, [good] * 257)  # type: ignore[attr-defined]
    stranger = platform.new_account()
    expect_unchanged(platform, errors.BatchTooLarge(257, 256), platform.post_offers, stranger, [good] * 257)  # type: ignore[attr-defined]
    expect_unchanged(platform, errors.FirmNotRegistered(stranger), platform.post_offers, stranger, [good])  # type: ignore[attr-defined]
    assert platform.offer_count() == 0


def test_propose_agreements(platform: Platform, firms: list[Firm]) -> None:
    (a, fa), (b, fb), _ = firms
    manual = post(platform, a, quantity=1_000)
    auto = post(platform, a, F.ELECTRICITY, quantity=500, auto=True)
    tx = platform.stats.transactions
    ids = platform.propose_agreements(b, [(manual, 600, HOUR), (auto, 200, 2 * HOUR), (manual, 600, HOUR), (auto, 300, HOUR)])  # type: ignore[attr-defined]
    assert ids == [1, 2, 3, 4]
    assert platform.stats.transactions == tx + 1
    ends2, ends4 = platform.agreement(2).ends_at, platform.agreement(4).ends_at
    assert [e.name for e in platform.last_events] == [
        "AgreementProposed", "AgreementProposed", "AgreementAccepted", "AgreementProposed", "AgreementProposed", "AgreementAccepted"
    ]
    assert platform.last_events[1] == Event(
        "AgreementProposed", {"agreementId": 2, "offerId": auto, "consumerId": fb, "quantity": 200, "duration": 2 * HOUR}
    )
    assert platform.last_events[2] == Event("AgreementAccepted", {"agreementId": 2, "offerId": auto, "reserved": 200, "endsAt": ends2})
    assert platform.last_events[5] == Event("AgreementAccepted", {"agreementId": 4, "offerId": auto, "reserved": 500, "endsAt": ends4})
    assert [platform.agreement(i).state for i in ids] == [AgreementState.PROPOSED, AgreementState.ACTIVE] * 2
    assert platform.offer(manual).reserved == 0 and platform.offer(auto).reserved == 500
    assert platform.firm(fb).live_agreements == 2
    assert platform.propose_agreements(b, []) == []  # type: ignore[attr-defined]


def test_propose_agreements_all_or_nothing(platform: Platform, firms: list[Firm]) -> None:
    (a, fa), (b, fb), _ = firms
    auto = post(platform, a, quantity=1_000, auto=True)
    manual = post(platform, a, quantity=1_000)
    # the second auto-accepted item no longer fits: the first is undone too
    expect_unchanged(platform, errors.OfferOverAllocated(auto, 600, 400), platform.propose_agreements, b, [(manual, 10, HOUR), (auto, 600, HOUR), (auto, 600, HOUR)])  # type: ignore[attr-defined]
    expect_unchanged(platform, errors.AgreementZeroDuration(), platform.propose_agreements, b, [(manual, 10, HOUR), (manual, 10, 0)])  # type: ignore[attr-defined]
    expect_unchanged(platform, errors.AgreementSelfDealing(fa), platform.propose_agreements, a, [(manual, 10, HOUR)])  # type: ignore[attr-defined]
    expect_unchanged(platform, errors.BatchTooLarge(300, 256), platform.propose_agreements, b, [(manual, 1, HOUR)] * 300)  # type: ignore[attr-defined]
    assert platform.offer(auto).reserved == 0
    assert platform.firm(fa).live_agreements == 0
    assert platform.agreement_count() == 0
