"""Access control: OpenZeppelin AccessControl roles (OPERATOR_ROLE, METER_ROLE)."""

from __future__ import annotations

from eth_utils import keccak

from bois import errors
from bois.platform import Event, Platform, Role
from platform_helpers import Firm, agree, expect_unchanged, post

ADMIN_ROLE = b"\x00" * 32
OPERATOR = keccak(b"OPERATOR_ROLE")
METER = keccak(b"METER_ROLE")


def test_grant_and_revoke_emit_oz_events(platform: Platform) -> None:
    admin = platform.admin
    meter = platform.new_account()
    assert not platform.has_role(Role.METER, meter)
    assert not platform.has_role(Role.OPERATOR, admin)
    platform.grant_role(admin, Role.METER, meter)
    assert platform.has_role(Role.METER, meter)
    assert not platform.has_role(Role.OPERATOR, meter)
    assert platform.last_events == [Event("RoleGranted", {"role": METER, "account": meter, "sender": admin})]
    # granting a role already held succeeds and emits nothing (OZ _grantRole returns false)
    tx = platform.stats.transactions
    platform.grant_role(admin, Role.METER, meter)
    assert platform.stats.transactions == tx + 1
    assert platform.last_events == []
    platform.grant_role(admin, Role.OPERATOR, admin)
    assert platform.last_events == [Event("RoleGranted", {"role": OPERATOR, "account": admin, "sender": admin})]
    platform.revoke_role(admin, Role.METER, meter)
    assert platform.last_events == [Event("RoleRevoked", {"role": METER, "account": meter, "sender": admin})]
    assert not platform.has_role(Role.METER, meter)
    platform.revoke_role(admin, Role.METER, meter)  # not held: nothing to emit
    assert platform.last_events == []
    assert platform.has_role(Role.OPERATOR, admin)


def test_only_admin_grants_and_revokes(platform: Platform, firms: list[Firm]) -> None:
    admin = platform.admin
    (a, _), (b, _), _ = firms
    operator = platform.new_account()
    platform.grant_role(admin, Role.OPERATOR, operator)
    for sender in (a, operator):  # a firm owner, an operator: neither holds DEFAULT_ADMIN_ROLE
        expect_unchanged(platform, errors.AccessControlUnauthorizedAccount(sender, ADMIN_ROLE), platform.grant_role, sender, Role.METER, b)
        expect_unchanged(platform, errors.AccessControlUnauthorizedAccount(sender, ADMIN_ROLE), platform.revoke_role, sender, Role.OPERATOR, operator)
    assert platform.has_role(Role.OPERATOR, operator)
    assert not platform.has_role(Role.METER, b)


def test_meter_records_any_agreement(platform: Platform, firms: list[Firm]) -> None:
    (a, _), (b, _), (c, _) = firms
    meter = platform.new_account()
    offer = post(platform, a, price=3_000)
    ag = agree(platform, b, a, offer, 100)
    expect_unchanged(platform, errors.AgreementNotMeter(ag, meter), platform.record_delivery, meter, ag, 10)
    platform.grant_role(platform.admin, Role.METER, meter)
    platform.record_delivery(meter, ag, 10)
    assert platform.last_events == [
        Event("DeliveryRecorded", {"agreementId": ag, "quantity": 10, "delivered": 10, "amountDue": 30})
    ]
    platform.revoke_role(platform.admin, Role.METER, meter)
    expect_unchanged(platform, errors.AgreementNotMeter(ag, meter), platform.record_delivery, meter, ag, 10)
    # the operator role does not let one meter, nor does the admin role
    platform.grant_role(platform.admin, Role.OPERATOR, c)
    expect_unchanged(platform, errors.AgreementNotMeter(ag, c), platform.record_delivery, c, ag, 10)
    expect_unchanged(platform, errors.AgreementNotMeter(ag, platform.admin), platform.record_delivery, platform.admin, ag, 10)
    assert platform.agreement(ag).delivered == 10


def test_roles_grant_nothing_beyond_their_purpose(platform: Platform, firms: list[Firm]) -> None:
    """An operator only reports statuses, a meter only records deliveries."""
    (a, fa), (b, _), _ = firms
    operator, meter = platform.new_account(), platform.new_account()
    platform.grant_role(platform.admin, Role.OPERATOR, operator)
    platform.grant_role(platform.admin, Role.METER, meter)
    offer = post(platform, a)
    proposal = platform.propose_agreement(b, offer, 10, 3600)
    for account in (operator, meter, platform.admin):
        expect_unchanged(platform, errors.FirmNotOwner(fa, account), platform.withdraw_offer, account, offer)
        expect_unchanged(platform, errors.AgreementNotSupplier(proposal, account), platform.accept_agreement, account, proposal)
        expect_unchanged(platform, errors.AgreementNotSupplier(proposal, account), platform.reject_agreement, account, proposal)
        expect_unchanged(platform, errors.AgreementNotParty(proposal, account), platform.terminate_agreement, account, proposal)
        expect_unchanged(platform, errors.FirmNotRegistered(account), platform.propose_agreement, account, offer, 10, 3600)
    expect_unchanged(platform, errors.FirmNotOwner(fa, meter), platform.report_status, meter, fa, 2)
