"""Accounts, the clock and snapshots, on every backend."""

from __future__ import annotations

from eth_utils import is_checksum_address

from bois.platform import Platform
from bois.types import AgreementState, FirmStatus
from platform_helpers import HOUR, Firm, MakeFirm, agree, post


def test_accounts_are_distinct_checksum_addresses(platform: Platform) -> None:
    accounts = [platform.new_account() for _ in range(3)] + [platform.admin]
    assert len(set(accounts)) == 4
    assert all(is_checksum_address(a) for a in accounts)


def test_advance_time(platform: Platform) -> None:
    t0 = platform.now()
    platform.advance_time(12_345)
    assert platform.now() == t0 + 12_345


def test_revert_restores_everything_and_can_repeat(platform: Platform, make_firm: MakeFirm) -> None:
    a, fa = make_firm()
    offer = post(platform, a)
    t0 = platform.now()
    snap = platform.snapshot()
    for _ in range(2):  # the same snapshot twice
        b = platform.new_account()
        fb = platform.register_firm(b, "later", 0, 0, 0, [], [])
        agree(platform, b, a, offer, 100)
        platform.report_status(a, fa, FirmStatus.DISRUPTED)
        platform.advance_time(5 * HOUR)
        platform.revert(snap)
        assert platform.now() == t0
        assert platform.firm_count() == 1 and fb == 2
        assert platform.agreement_count() == 0
        assert platform.offer(offer).reserved == 0
        assert platform.firm(fa).status == FirmStatus.OPERATING
        assert platform.firm(fa).live_agreements == 0
    assert platform.firm_id_of(a) == fa


def test_accept_far_future_end(platform: Platform, firms: list[Firm]) -> None:
    """A duration reaching past 2**40 - 1: the view adds it up, the uint40 event field saturates."""
    (a, _), (b, _), _ = firms
    offer = post(platform, a)
    ag = agree(platform, b, a, offer, 1, 2**40 - 1)
    view = platform.agreement(ag)
    assert view.ends_at == view.started_at + 2**40 - 1
    assert platform.last_events[0].args["endsAt"] == 2**40 - 1
    assert view.state == AgreementState.ACTIVE
