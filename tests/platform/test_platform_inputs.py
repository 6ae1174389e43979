"""Python-side input checks: values that cannot be encoded raise InvalidInput, on every backend."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from bois import errors
from bois.platform import Platform
from bois.types import EnergyForm, OfferQuery
from platform_helpers import HOUR, LONG, Firm, agree, post

F = EnergyForm

Call = Callable[[Platform, str, str, int, int], Any]

# (name, call(platform, supplier account, consumer account, offer id, agreement id))
CASES: list[tuple[str, Call]] = [
    ("sector 256", lambda p, a, b, o, g: p.register_firm(p.new_account(), "n", 256, 0, 0, [], [])),
    ("sector -1", lambda p, a, b, o, g: p.register_firm(p.new_account(), "n", -1, 0, 0, [], [])),
    ("x above int32", lambda p, a, b, o, g: p.register_firm(p.new_account(), "n", 0, 2**31, 0, [], [])),
    ("y below int32", lambda p, a, b, o, g: p.register_firm(p.new_account(), "n", 0, 0, -(2**31) - 1, [], [])),
    ("supplies form -1", lambda p, a, b, o, g: p.register_firm(p.new_account(), "n", 0, 0, 0, [-1], [])),
    ("needs form 8", lambda p, a, b, o, g: p.register_firm(p.new_account(), "n", 0, 0, 0, [], [8])),
    ("supplies not forms", lambda p, a, b, o, g: p.register_firm(p.new_account(), "n", 0, 0, 0, ["steam!"], [])),
    ("status -1", lambda p, a, b, o, g: p.report_status(a, 1, -1)),
    ("status 256", lambda p, a, b, o, g: p.report_status(a, 1, 256)),
    ("firm id -1", lambda p, a, b, o, g: p.report_status(a, -1, 2)),
    ("form -1", lambda p, a, b, o, g: p.post_offer(a, -1, 1, 0, 0, p.now() + LONG, False)),
    ("form 256", lambda p, a, b, o, g: p.post_offer(a, 256, 1, 0, 0, p.now() + LONG, False)),
    ("form name", lambda p, a, b, o, g: p.post_offer(a, "steam", 1, 0, 0, p.now() + LONG, False)),
    ("quantity -1", lambda p, a, b, o, g: p.post_offer(a, F.STEAM, -1, 0, 0, p.now() + LONG, False)),
    ("quantity 2**64", lambda p, a, b, o, g: p.post_offer(a, F.STEAM, 2**64, 0, 0, p.now() + LONG, False)),
    ("temperature 32768", lambda p, a, b, o, g: p.post_offer(a, F.STEAM, 1, 32768, 0, p.now() + LONG, False)),
    ("temperature -32769", lambda p, a, b, o, g: p.post_offer(a, F.STEAM, 1, -32769, 0, p.now() + LONG, False)),
    ("price -1", lambda p, a, b, o, g: p.post_offer(a, F.STEAM, 1, 0, -1, p.now() + LONG, False)),
    ("price 2**40", lambda p, a, b, o, g: p.post_offer(a, F.STEAM, 1, 0, 2**40, p.now() + LONG, False)),
    ("valid_until -1", lambda p, a, b, o, g: p.post_offer(a, F.STEAM, 1, 0, 0, -1, False)),
    ("update quantity -5", lambda p, a, b, o, g: p.update_offer(a, o, -5, 0, 0, p.now() + LONG)),
    ("update price 2**40", lambda p, a, b, o, g: p.update_offer(a, o, 5, 0, 2**40, p.now() + LONG)),
    ("update offer id -1", lambda p, a, b, o, g: p.update_offer(a, -1, 5, 0, 0, p.now() + LONG)),
    ("withdraw offer id -1", lambda p, a, b, o, g: p.withdraw_offer(a, -1)),
    ("offer view id -1", lambda p, a, b, o, g: p.offer(-1)),
    ("firm view id -1", lambda p, a, b, o, g: p.firm(-1)),
    ("agreement view id -1", lambda p, a, b, o, g: p.agreement(-1)),
    ("propose quantity -1", lambda p, a, b, o, g: p.propose_agreement(b, o, -1, HOUR)),
    ("propose duration -1", lambda p, a, b, o, g: p.propose_agreement(b, o, 1, -1)),
    ("propose duration 2**40", lambda p, a, b, o, g: p.propose_agreement(b, o, 1, 2**40)),
    ("propose offer id -1", lambda p, a, b, o, g: p.propose_agreement(b, -1, 1, HOUR)),
    ("accept id -1", lambda p, a, b, o, g: p.accept_agreement(a, -1)),
    ("reject id -1", lambda p, a, b, o, g: p.reject_agreement(a, -1)),
    ("terminate id -1", lambda p, a, b, o, g: p.terminate_agreement(a, -1)),
    ("close id -1", lambda p, a, b, o, g: p.close_agreement(a, -1)),
    ("delivery -1", lambda p, a, b, o, g: p.record_delivery(b, g, -1)),
    ("delivery 2**64", lambda p, a, b, o, g: p.record_delivery(b, g, 2**64)),
    ("search form -1", lambda p, a, b, o, g: p.search_offers(OfferQuery(-1))),  # type: ignore[arg-type]
    ("search form 256", lambda p, a, b, o, g: p.search_offers(OfferQuery(256))),  # type: ignore[arg-type]
    ("search min quantity -1", lambda p, a, b, o, g: p.search_offers(OfferQuery(F.STEAM, min_quantity=-1))),
    ("search temperature 40000", lambda p, a, b, o, g: p.search_offers(OfferQuery(F.STEAM, min_temperature_c=40_000))),
    ("search distance -1", lambda p, a, b, o, g: p.search_offers(OfferQuery(F.STEAM, max_distance_m=-1))),
    ("search x above int32", lambda p, a, b, o, g: p.search_offers(OfferQuery(F.STEAM, x_m=2**31))),
    ("search cursor -1", lambda p, a, b, o, g: p.search_offers(OfferQuery(F.STEAM), -1, 10)),
    ("search limit -1", lambda p, a, b, o, g: p.search_offers(OfferQuery(F.STEAM), 0, -1)),
]


def test_invalid_inputs_raise_before_sending(platform: Platform, firms: list[Firm]) -> None:
    """One setup, every case: nothing is sent, nothing changes."""
    (a, _), (b, _), _ = firms
    offer = post(platform, a)
    agreement = agree(platform, b, a, offer, 10)
    before = (platform.stats.transactions, platform.firm_count(), platform.offer_count(), platform.agreement_count())
    failures = []
    for name, call in CASES:
        try:
            call(platform, a, b, offer, agreement)
        except errors.InvalidInput as e:
            assert isinstance(e, ValueError)
            continue
        except Exception as e:  # noqa: BLE001 - reported below
            failures.append(f"{name}: raised {type(e).__name__}: {e}")
            continue
        failures.append(f"{name}: no error")
    assert failures == []
    after = (platform.stats.transactions, platform.firm_count(), platform.offer_count(), platform.agreement_count())
    assert after == before
    o = platform.offer(offer)
    assert (o.quantity, o.price, o.reserved) == (1_000, 4_000, 10)
    assert platform.agreement(agreement).delivered == 0


def test_encodable_but_wrong_values_reach_the_contract(platform: Platform, firms: list[Firm]) -> None:
    """Form 7 and quantity 0 encode; the contract's error comes back, not InvalidInput."""
    (a, fa), _, _ = firms
    with pytest.raises(errors.UnknownEnergyForm):
        platform.post_offer(a, 7, 1, 0, 0, platform.now() + LONG, False)
    with pytest.raises(errors.ZeroQuantity):
        platform.post_offer(a, F.STEAM, 0, 0, 0, platform.now() + LONG, False)
    with pytest.raises(errors.UnknownEnergyForm):
        platform.register_firm(platform.new_account(), "n", 0, 0, 0, [7], [])
