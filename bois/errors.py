"""Python exceptions for the platform's custom errors.

Every Solidity custom error of the contracts has a Python class of the same name here,
with the same argument names. Both backends (the contracts on a chain and the in-memory
reference platform) raise these, so code and tests never see raw revert bytes.

    try:
        platform.propose_agreement(alice, offer_id, 500, 3600)
    except OfferOverAllocated as e:
        print(e.offer_id, e.requested, e.remaining)
"""

from __future__ import annotations

from typing import Any


class BoisError(Exception):
    """Base class of every error raised by the bois package."""


class InvalidInput(BoisError, ValueError):
    """A Python-side argument is malformed (caught before anything is sent)."""


class ChainError(BoisError):
    """The chain could not be reached or answered something unexpected."""


class ContractError(BoisError):
    """A contract call reverted with a custom error. Subclasses carry its decoded arguments."""

    # Argument names in the Solidity declaration order; set on each subclass.
    fields: tuple[str, ...] = ()

    def __init__(self, *values: Any) -> None:
        if len(values) != len(self.fields):
            raise TypeError(f"{type(self).__name__} takes {len(self.fields)} values, got {len(values)}")
        self.values = values
        for name, value in zip(self.fields, values):
            setattr(self, name, value)
        super().__init__(*values)

    @property
    def error_name(self) -> str:
        return type(self).__name__

    def as_dict(self) -> dict[str, Any]:
        return dict(zip(self.fields, self.values))

    def __str__(self) -> str:
        inner = ", ".join(f"{k}={_fmt(v)}" for k, v in zip(self.fields, self.values))
        return f"{self.error_name}({inner})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.values == other.values  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.values))


def _fmt(v: Any) -> str:
    if isinstance(v, (bytes, bytearray)):
        return "0x" + bytes(v).hex()
    return repr(v)


# name -> (solidity signature argument types, python field names)
# This table is the single source of truth for the Python side; tests check it
# against the compiled ABI so the two cannot drift apart.
ERROR_SPECS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "UnknownEnergyForm": (("uint256",), ("value",)),
    "ZeroQuantity": ((), ()),
    "FirmAlreadyRegistered": (("address", "uint32"), ("account", "firm_id")),
    "FirmNotRegistered": (("address",), ("account",)),
    "FirmUnknown": (("uint32",), ("firm_id",)),
    "FirmDisrupted": (("uint32",), ("firm_id",)),
    "FirmNotOwner": (("uint32", "address"), ("firm_id", "caller")),
    "FirmInvalidName": (("uint256",), ("length",)),
    "FirmInvalidStatus": (("uint32", "uint8", "uint8"), ("firm_id", "current", "requested")),
    "FirmHasLiveAgreements": (("uint32", "uint32"), ("firm_id", "live")),
    "FirmFormNotSupplied": (("uint32", "uint8"), ("firm_id", "form")),
    "OfferUnknown": (("uint256",), ("offer_id",)),
    "OfferNotOpen": (("uint256",), ("offer_id",)),
    "OfferExpired": (("uint256", "uint256"), ("offer_id", "valid_until")),
    "OfferInvalidValidity": (("uint256", "uint256"), ("valid_until", "now")),
    "OfferBelowReserved": (("uint256", "uint256", "uint256"), ("offer_id", "quantity", "reserved")),
    "OfferOverAllocated": (("uint256", "uint256", "uint256"), ("offer_id", "requested", "remaining")),
    "AgreementUnknown": (("uint256",), ("agreement_id",)),
    "AgreementSelfDealing": (("uint32",), ("firm_id",)),
    "AgreementZeroDuration": ((), ()),
    "AgreementWrongState": (("uint256", "uint8"), ("agreement_id", "state")),
    "AgreementNotParty": (("uint256", "address"), ("agreement_id", "caller")),
    "AgreementNotSupplier": (("uint256", "address"), ("agreement_id", "caller")),
    "AgreementNotMeter": (("uint256", "address"), ("agreement_id", "caller")),
    "AgreementNotExpired": (("uint256", "uint256"), ("agreement_id", "ends_at")),
    "BatchTooLarge": (("uint256", "uint256"), ("length", "max")),
    # OpenZeppelin AccessControl
    "AccessControlUnauthorizedAccount": (("address", "bytes32"), ("account", "needed_role")),
    "AccessControlBadConfirmation": ((), ()),
}

ERRORS: dict[str, type[ContractError]] = {}

for _name, (_types, _fields) in ERROR_SPECS.items():
    _cls = type(_name, (ContractError,), {"fields": _fields, "__module__": __name__})
    ERRORS[_name] = _cls
    globals()[_name] = _cls


def make_error(name: str, *values: Any) -> ContractError:
    """Build the exception for custom error ``name`` with its decoded values."""
    try:
        return ERRORS[name](*values)
    except KeyError:
        raise KeyError(f"no Python class for contract error {name!r}") from None


# Explicit names for type checkers and ``from bois.errors import X``.
UnknownEnergyForm: type[ContractError] = ERRORS["UnknownEnergyForm"]
ZeroQuantity: type[ContractError] = ERRORS["ZeroQuantity"]
FirmAlreadyRegistered: type[ContractError] = ERRORS["FirmAlreadyRegistered"]
FirmNotRegistered: type[ContractError] = ERRORS["FirmNotRegistered"]
FirmUnknown: type[ContractError] = ERRORS["FirmUnknown"]
FirmDisrupted: type[ContractError] = ERRORS["FirmDisrupted"]
FirmNotOwner: type[ContractError] = ERRORS["FirmNotOwner"]
FirmInvalidName: type[ContractError] = ERRORS["FirmInvalidName"]
FirmInvalidStatus: type[ContractError] = ERRORS["FirmInvalidStatus"]
FirmHasLiveAgreements: type[ContractError] = ERRORS["FirmHasLiveAgreements"]
FirmFormNotSupplied: type[ContractError] = ERRORS["FirmFormNotSupplied"]
OfferUnknown: type[ContractError] = ERRORS["OfferUnknown"]
OfferNotOpen: type[ContractError] = ERRORS["OfferNotOpen"]
OfferExpired: type[ContractError] = ERRORS["OfferExpired"]
OfferInvalidValidity: type[ContractError] = ERRORS["OfferInvalidValidity"]
OfferBelowReserved: type[ContractError] = ERRORS["OfferBelowReserved"]
OfferOverAllocated: type[ContractError] = ERRORS["OfferOverAllocated"]
AgreementUnknown: type[ContractError] = ERRORS["AgreementUnknown"]
AgreementSelfDealing: type[ContractError] = ERRORS["AgreementSelfDealing"]
AgreementZeroDuration: type[ContractError] = ERRORS["AgreementZeroDuration"]
AgreementWrongState: type[ContractError] = ERRORS["AgreementWrongState"]
AgreementNotParty: type[ContractError] = ERRORS["AgreementNotParty"]
AgreementNotSupplier: type[ContractError] = ERRORS["AgreementNotSupplier"]
AgreementNotMeter: type[ContractError] = ERRORS["AgreementNotMeter"]
AgreementNotExpired: type[ContractError] = ERRORS["AgreementNotExpired"]
BatchTooLarge: type[ContractError] = ERRORS["BatchTooLarge"]
AccessControlUnauthorizedAccount: type[ContractError] = ERRORS["AccessControlUnauthorizedAccount"]
AccessControlBadConfirmation: type[ContractError] = ERRORS["AccessControlBadConfirmation"]
