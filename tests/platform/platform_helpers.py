"""Helpers of the shared platform suite (a module name no other test folder uses)."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from bois import errors
from bois.platform import Platform
from bois.types import EnergyForm, FirmStatus

ALL_FORMS = frozenset(EnergyForm)
LONG = 100_000  # seconds: offers in tests stay valid this long
HOUR = 3_600
TIME_SLACK = 300  # seconds a chain may move between reading now() and mining a transaction

Firm = tuple[str, int]  # (account, firm id)
MakeFirm = Callable[..., Firm]


def post(
    platform: Platform,
    account: str,
    form: Any = EnergyForm.STEAM,
    quantity: int = 1_000,
    temperature: int = 180,
    price: int = 4_000,
    valid_for: int = LONG,
    auto: bool = False,
) -> int:
    """Post an offer valid for ``valid_for`` seconds from now; returns its id."""
    return platform.post_offer(account, form, quantity, temperature, price, platform.now() + valid_for, auto)


def agree(platform: Platform, consumer: str, supplier: str, offer_id: int, quantity: int, duration: int = HOUR) -> int:
    """Propose and accept; returns the (ACTIVE) agreement id."""
    agreement_id = platform.propose_agreement(consumer, offer_id, quantity, duration)
    platform.accept_agreement(supplier, agreement_id)
    return agreement_id


def expect(expected: errors.ContractError, fn: Callable[..., Any], *args: Any) -> None:
    """``fn(*args)`` raises exactly ``expected`` (same class, same values)."""
    with pytest.raises(errors.ContractError) as info:
        fn(*args)
    assert info.value == expected, f"expected {expected}, got {info.value}"


def expect_unchanged(platform: Platform, expected: errors.ContractError, fn: Callable[..., Any], *args: Any) -> None:
    """As :func:`expect`, and the failed call sent nothing and changed no count."""
    before = (platform.stats.transactions, platform.firm_count(), platform.offer_count(), platform.agreement_count())
    expect(expected, fn, *args)
    after = (platform.stats.transactions, platform.firm_count(), platform.offer_count(), platform.agreement_count())
    assert after == before


def disrupt(platform: Platform, account: str, firm_id: int) -> None:
    platform.report_status(account, firm_id, FirmStatus.DISRUPTED)


def recover(platform: Platform, account: str, firm_id: int) -> None:
    platform.report_status(account, firm_id, FirmStatus.RECOVERED)
