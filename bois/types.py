"""The platform's vocabulary: energy forms, statuses and the records the platform returns.

Units (the same on chain and in the in-memory platform):

* location: metres on a local park grid (``x_m``, ``y_m``, signed 32-bit integers);
  distances are Euclidean in metres.
* quantity: kW, i.e. kWh per one-hour period (unsigned 64-bit integer).
* temperature: degrees Celsius (signed 16-bit integer); 0 for non-thermal forms.
* price: euro-cents per MWh (unsigned 40-bit integer).
* time: seconds (block timestamps on chain); ``valid_until`` / ``ends_at`` are absolute.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class EnergyForm(IntEnum):
    """Energy forms that can be exchanged. The numbers are the on-chain encoding."""

    ELECTRICITY = 0
    STEAM = 1
    DISTRICT_HEAT = 2  # hot water
    WASTE_HEAT = 3  # low-grade waste heat (e.g. 20-40 C wastewater)
    FUEL_GAS = 4
    BIOGAS = 5
    COOLING_WATER = 6

    @classmethod
    def parse(cls, value: "str | int | EnergyForm") -> "EnergyForm":
        """Accept an EnergyForm, its number, or its name in any case (``"hot_water"`` too)."""
        if isinstance(value, EnergyForm):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            try:
                return cls(value)
            except ValueError:
                raise ValueError(f"unknown energy form {value!r}; known: {cls.names()}") from None
        if isinstance(value, str):
            key = value.strip().upper().replace("-", "_").replace(" ", "_")
            key = _ALIASES.get(key, key)
            if key in cls.__members__:
                return cls[key]
        raise ValueError(f"unknown energy form {value!r}; known: {cls.names()}")

    @classmethod
    def names(cls) -> str:
        return ", ".join(m.name.lower() for m in cls)


_ALIASES = {"HOT_WATER": "DISTRICT_HEAT", "HEAT": "DISTRICT_HEAT", "POWER": "ELECTRICITY"}

THERMAL_FORMS = frozenset(
    {EnergyForm.STEAM, EnergyForm.DISTRICT_HEAT, EnergyForm.WASTE_HEAT, EnergyForm.COOLING_WATER}
)


def forms_to_mask(forms: "frozenset[EnergyForm] | set[EnergyForm] | list[EnergyForm]") -> int:
    mask = 0
    for f in forms:
        mask |= 1 << int(f)
    return mask


def mask_to_forms(mask: int) -> frozenset[EnergyForm]:
    return frozenset(f for f in EnergyForm if mask & (1 << int(f)))


class FirmStatus(IntEnum):
    NONE = 0  # never registered
    OPERATING = 1
    DISRUPTED = 2
    RECOVERED = 3
    LEFT = 4  # left the registry


class OfferStatus(IntEnum):
    NONE = 0
    OPEN = 1
    WITHDRAWN = 2


class AgreementState(IntEnum):
    """Agreement states. SUSPENDED and EXPIRED are *effective* states derived on read.

    Stored states are NONE, PROPOSED, ACTIVE, REJECTED, TERMINATED, CLOSED.
    An ACTIVE agreement reads as SUSPENDED while its supplier is DISRUPTED and
    as EXPIRED once ``now >= ends_at`` (until somebody closes it).
    """

    NONE = 0
    PROPOSED = 1
    ACTIVE = 2
    SUSPENDED = 3
    REJECTED = 4
    TERMINATED = 5
    EXPIRED = 6
    CLOSED = 7


LIVE_STATES = frozenset({AgreementState.ACTIVE, AgreementState.SUSPENDED, AgreementState.EXPIRED})
"""States whose agreement still reserves capacity on its offer (EXPIRED until closed)."""


@dataclass(frozen=True)
class Firm:
    firm_id: int
    owner: str  # checksum address (or account name in memory)
    name: str
    sector: int
    x_m: int
    y_m: int
    supplies: frozenset[EnergyForm]
    needs: frozenset[EnergyForm]
    status: FirmStatus
    live_agreements: int


@dataclass(frozen=True)
class Offer:
    offer_id: int
    supplier_id: int
    form: EnergyForm
    quantity: int
    reserved: int
    temperature_c: int
    price: int
    valid_until: int
    auto_accept: bool
    status: OfferStatus

    @property
    def remaining(self) -> int:
        return self.quantity - self.reserved


@dataclass(frozen=True)
class OfferMatch:
    """A search hit: the offer and its distance from the searching point in metres."""

    offer: Offer
    distance_m: int


@dataclass(frozen=True)
class SearchPage:
    matches: list[OfferMatch]
    next_cursor: int  # 0 when the search is exhausted


@dataclass(frozen=True)
class OfferQuery:
    """What a firm looks for. ``max_distance_m == 0`` means any distance."""

    form: EnergyForm
    min_quantity: int = 1
    min_temperature_c: int = -32768
    max_distance_m: int = 0
    x_m: int = 0
    y_m: int = 0


@dataclass(frozen=True)
class Agreement:
    agreement_id: int
    offer_id: int
    supplier_id: int
    consumer_id: int
    quantity: int
    price: int
    state: AgreementState  # effective state
    started_at: int  # 0 until accepted
    ends_at: int  # 0 until accepted
    duration_s: int
    delivered: int  # total recorded so far (kWh)


@dataclass(frozen=True)
class TxInfo:
    """What one platform action cost. The in-memory platform reports zero gas."""

    gas_used: int
    tx_hash: str = ""
    block_number: int = 0
