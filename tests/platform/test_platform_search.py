"""Searching layer: the paginated search (lens ``OfferSearch.search``)."""

from __future__ import annotations

from typing import Any

import pytest

from bois import errors
from bois.platform import Platform, search_all
from bois.types import EnergyForm, FirmStatus, OfferQuery
from platform_helpers import HOUR, LONG, MakeFirm, expect, post

F = EnergyForm


def ids(page: Any) -> list[int]:
    return [m.offer.offer_id for m in page.matches]


@pytest.fixture
def park(platform: Platform, make_firm: MakeFirm) -> dict[str, Any]:
    """Three suppliers and seven offers (ids 1..7), searched from (0, 0).

    A at (3, 4): distance 5; B at (100, 0): 100; C at (-7, -7): sqrt(98) -> 9.
    """
    (a, fa), (b, fb), (c, fc) = make_firm(x=3, y=4), make_firm(x=100, y=0), make_firm(x=-7, y=-7)
    consumer = make_firm(x=0, y=0)
    spec = [
        (a, F.STEAM, 1000, 180),  # 1
        (a, F.ELECTRICITY, 500, 0),  # 2
        (b, F.STEAM, 200, 120),  # 3
        (c, F.STEAM, 1000, 90),  # 4
        (a, F.STEAM, 50, 200),  # 5
        (b, F.STEAM, 5000, 250),  # 6
        (c, F.DISTRICT_HEAT, 100, 80),  # 7
    ]
    for account, form, quantity, temperature in spec:
        post(platform, account, form, quantity, temperature)
    return {"a": (a, fa), "b": (b, fb), "c": (c, fc), "consumer": consumer}


def test_filters(platform: Platform, park: dict[str, Any]) -> None:
    page = platform.search_offers(OfferQuery(F.STEAM))
    assert ids(page) == [1, 3, 4, 5, 6]
    assert [m.distance_m for m in page.matches] == [5, 100, 9, 5, 100]
    assert page.next_cursor == 0
    first = page.matches[0].offer
    assert first == platform.offer(1)
    assert ids(platform.search_offers(OfferQuery(F.STEAM, min_quantity=200))) == [1, 3, 4, 6]
    assert ids(platform.search_offers(OfferQuery(F.STEAM, min_quantity=1001))) == [6]
    assert ids(platform.search_offers(OfferQuery(F.STEAM, min_temperature_c=120))) == [1, 3, 5, 6]
    assert ids(platform.search_offers(OfferQuery(F.STEAM, min_temperature_c=251))) == []
    # distance: squared comparison, the boundary is included
    assert ids(platform.search_offers(OfferQuery(F.STEAM, max_distance_m=5))) == [1, 5]
    assert ids(platform.search_offers(OfferQuery(F.STEAM, max_distance_m=4))) == []
    assert ids(platform.search_offers(OfferQuery(F.STEAM, max_distance_m=9))) == [1, 5]  # 98 > 81
    assert ids(platform.search_offers(OfferQuery(F.STEAM, max_distance_m=10))) == [1, 4, 5]
    near_b = platform.search_offers(OfferQuery(F.STEAM, max_distance_m=1, x_m=100, y_m=0))
    assert ids(near_b) == [3, 6] and [m.distance_m for m in near_b.matches] == [0, 0]
    far = platform.search_offers(OfferQuery(F.STEAM, min_temperature_c=200, x_m=-(2**31), y_m=-(2**31)))
    assert [m.distance_m for m in far.matches] == [3037000504, 3037000570]  # floor(sqrt(dx^2 + dy^2)): 3037000504.93, 3037000570.69
    dh = platform.search_offers(OfferQuery(F.DISTRICT_HEAT))
    assert ids(dh) == [7] and dh.matches[0].distance_m == 9
    assert ids(platform.search_offers(OfferQuery(F.ELECTRICITY, min_quantity=501))) == []
    assert ids(platform.search_offers(OfferQuery(F.BIOGAS))) == []
    assert ids(platform.search_offers(OfferQuery(2))) == [7]  # type: ignore[arg-type]  # a plain int form
    expect(errors.UnknownEnergyForm(7), platform.search_offers, OfferQuery(7))  # type: ignore[arg-type]
    expect(errors.UnknownEnergyForm(255), platform.search_offers, OfferQuery(255))  # type: ignore[arg-type]


def test_remaining_not_total_quantity_is_filtered(platform: Platform, park: dict[str, Any]) -> None:
    (a, _), (consumer, _) = park["a"], park["consumer"]
    ag = platform.propose_agreement(consumer, 1, 900, HOUR)
    assert ids(platform.search_offers(OfferQuery(F.STEAM, min_quantity=200))) == [1, 3, 4, 6]  # proposals reserve nothing
    platform.accept_agreement(a, ag)
    assert ids(platform.search_offers(OfferQuery(F.STEAM, min_quantity=200))) == [3, 4, 6]
    assert ids(platform.search_offers(OfferQuery(F.STEAM, min_quantity=100))) == [1, 3, 4, 6]
    platform.terminate_agreement(consumer, ag)
    assert ids(platform.search_offers(OfferQuery(F.STEAM, min_quantity=200))) == [1, 3, 4, 6]


def test_pagination(platform: Platform, park: dict[str, Any]) -> None:
    q = OfferQuery(F.STEAM)
    p1 = platform.search_offers(q, 0, 2)
    assert (ids(p1), p1.next_cursor) == ([1, 3], 4)
    p2 = platform.search_offers(q, p1.next_cursor, 2)
    assert (ids(p2), p2.next_cursor) == ([4, 5], 6)
    p3 = platform.search_offers(q, p2.next_cursor, 2)
    assert (ids(p3), p3.next_cursor) == ([6], 0)
    assert ids(p1) + ids(p2) + ids(p3) == ids(platform.search_offers(q))
    # the limit is reached at offer 6 of 7: the cursor points at 7 although nothing is left
    p = platform.search_offers(q, 0, 5)
    assert (ids(p), p.next_cursor) == ([1, 3, 4, 5, 6], 7)
    assert (ids(platform.search_offers(q, 7, 5)), platform.search_offers(q, 7, 5).next_cursor) == ([], 0)
    # the limit is reached at the last offer: exhausted
    dh = platform.search_offers(OfferQuery(F.DISTRICT_HEAT), 0, 1)
    assert (ids(dh), dh.next_cursor) == ([7], 0)
    # cursor 0 and 1 both start at the first offer; a cursor starts at its own id
    assert ids(platform.search_offers(q, 1, 50)) == [1, 3, 4, 5, 6]
    assert ids(platform.search_offers(q, 3, 50)) == [3, 4, 5, 6]
    assert ids(platform.search_offers(q, 7, 50)) == []
    for beyond in (8, 1000, 2**256 - 1):
        page = platform.search_offers(q, beyond, 50)
        assert (ids(page), page.next_cursor) == ([], 0)
    # limits are clamped to [1, 200]
    huge = platform.search_offers(q, 0, 2**256 - 1)
    assert (ids(huge), huge.next_cursor) == ([1, 3, 4, 5, 6], 0)
    p0 = platform.search_offers(q, 0, 0)
    assert (ids(p0), p0.next_cursor) == ([1], 2)
    # every page size walks the same list
    for size in (1, 2, 3, 4, 6):
        assert [m.offer.offer_id for m in search_all(platform, q, size)] == [1, 3, 4, 5, 6]


def test_dead_offers_and_unavailable_suppliers_are_skipped(platform: Platform, park: dict[str, Any]) -> None:
    (a, fa), (b, fb), (c, fc) = park["a"], park["b"], park["c"]
    q = OfferQuery(F.STEAM)
    platform.withdraw_offer(b, 3)
    assert ids(platform.search_offers(q)) == [1, 4, 5, 6]
    platform.report_status(c, fc, FirmStatus.DISRUPTED)
    assert ids(platform.search_offers(q)) == [1, 5, 6]
    platform.report_status(c, fc, FirmStatus.RECOVERED)
    assert ids(platform.search_offers(q)) == [1, 4, 5, 6]
    platform.leave_registry(b)
    assert ids(platform.search_offers(q)) == [1, 4, 5]
    # a short-lived offer expires; updating it revives it
    short = post(platform, a, F.STEAM, 10, 100, valid_for=1_000)
    assert ids(platform.search_offers(q)) == [1, 4, 5, short]
    platform.advance_time(2_000)
    assert ids(platform.search_offers(q)) == [1, 4, 5]
    # pagination over skipped offers: the cursor still moves by id
    page = platform.search_offers(q, 2, 1)
    assert (ids(page), page.next_cursor) == ([4], 5)
    platform.update_offer(a, short, 10, 100, 4_000, platform.now() + LONG)
    assert ids(platform.search_offers(q)) == [1, 4, 5, short]
    assert ids(platform.search_offers(q, short, 1)) == [short]


def test_limit_is_clamped_to_200(platform: Platform, make_firm: MakeFirm) -> None:
    a, _ = make_firm(supplies={F.BIOGAS})
    until = platform.now() + LONG
    items = [(F.BIOGAS, 10 + i, 35, 1_000, until, False) for i in range(205)]
    batch = getattr(platform, "post_offers", None)
    if batch is not None:
        batch(a, items[:128])
        batch(a, items[128:])
    else:
        for item in items:
            platform.post_offer(a, *item)
    q = OfferQuery(F.BIOGAS)
    page = platform.search_offers(q, 0, 10_000)
    assert ids(page) == list(range(1, 201)) and page.next_cursor == 201
    rest = platform.search_offers(q, page.next_cursor, 200)
    assert (ids(rest), rest.next_cursor) == ([201, 202, 203, 204, 205], 0)
    assert len(list(search_all(platform, OfferQuery(F.BIOGAS, min_quantity=200), 200))) == 15
