"""The platform interface: what the simulation (and any user) can ask of BOIS.

Two implementations, tested with the same tests (``tests/platform``):

* :class:`bois.chain_platform.ChainPlatform` - the Solidity contracts on a chain
  (in-process eth-tester/py-evm by default, or any JSON-RPC node);
* :class:`bois.memory.MemoryPlatform` - a plain-Python reference model with exactly the
  same rules, errors and events, used for very large sweeps and as the oracle of
  differential / property-based tests.

The rules both follow are written down in ``docs/platform.md``. Every state-changing
method takes the sending account first (``sender``), raises the
:mod:`bois.errors` class named after the contract's custom error on a revert, and
records the transaction's decoded events in :attr:`Platform.last_events`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Iterable, Iterator, Protocol, runtime_checkable

from .types import (
    Agreement,
    EnergyForm,
    Firm,
    FirmStatus,
    Offer,
    OfferMatch,
    OfferQuery,
    SearchPage,
)


class Role(str, Enum):
    """Roles of the access control. ``bytes32`` on chain is ``keccak256(name)``."""

    OPERATOR = "OPERATOR_ROLE"  # oracle: may report any firm's status
    METER = "METER_ROLE"  # metering party: may record deliveries on any agreement


@dataclass(frozen=True)
class Event:
    """A decoded event: its Solidity name and arguments keyed by their Solidity names."""

    name: str
    args: dict[str, Any]


@dataclass
class TxStats:
    """Running totals of the transactions a platform sent (gas is 0 in memory)."""

    transactions: int = 0
    gas_used: int = 0
    by_function: dict[str, list[int]] = field(default_factory=dict)

    def add(self, function: str, gas: int) -> None:
        self.transactions += 1
        self.gas_used += gas
        entry = self.by_function.setdefault(function, [0, 0])
        entry[0] += 1
        entry[1] += gas

    def copy(self) -> "TxStats":
        return TxStats(self.transactions, self.gas_used, {k: list(v) for k, v in self.by_function.items()})


MAX_NAME_BYTES = 64
MAX_BATCH = 256
DEFAULT_SEARCH_LIMIT = 50


@runtime_checkable
class Platform(Protocol):
    """The three layers of BOIS as one Python interface."""

    stats: TxStats
    last_events: list[Event]

    # ----- accounts, time, snapshots ---------------------------------------------
    @property
    def admin(self) -> str:
        """The account that deployed the platform (holds the admin role)."""
        ...

    def new_account(self) -> str:
        """Create (and on a chain, fund) a fresh account and return its address."""
        ...

    def now(self) -> int:
        """The platform's current time in seconds (the latest block's timestamp)."""
        ...

    def advance_time(self, seconds: int) -> None:
        """Move the platform's clock forward (tests and simulations only)."""
        ...

    def snapshot(self) -> Any:
        """Remember the whole platform state; see :meth:`revert`."""
        ...

    def revert(self, snapshot_id: Any) -> None:
        """Go back to a state remembered by :meth:`snapshot`."""
        ...

    def grant_role(self, sender: str, role: Role, account: str) -> None: ...

    def revoke_role(self, sender: str, role: Role, account: str) -> None: ...

    def has_role(self, role: Role, account: str) -> bool: ...

    # ----- physical layer: firm registry -------------------------------------------
    def register_firm(
        self,
        sender: str,
        name: str,
        sector: int,
        x_m: int,
        y_m: int,
        supplies: Iterable[EnergyForm],
        needs: Iterable[EnergyForm],
    ) -> int:
        """Register the sender's firm; returns the new firm id (ids start at 1)."""
        ...

    def report_status(self, sender: str, firm_id: int, status: FirmStatus) -> None:
        """The firm's owner or an OPERATOR reports OPERATING / DISRUPTED / RECOVERED."""
        ...

    def leave_registry(self, sender: str) -> None:
        """The sender's firm leaves; refused while it has live agreements."""
        ...

    def firm(self, firm_id: int) -> Firm: ...

    def firm_id_of(self, account: str) -> int:
        """The firm id the account owns, 0 if none."""
        ...

    def firm_count(self) -> int: ...

    # ----- searching layer: offers ---------------------------------------------------
    def post_offer(
        self,
        sender: str,
        form: EnergyForm,
        quantity: int,
        temperature_c: int,
        price: int,
        valid_until: int,
        auto_accept: bool = False,
    ) -> int:
        """Post an offer of spare energy from the sender's firm; returns the offer id."""
        ...

    def update_offer(
        self, sender: str, offer_id: int, quantity: int, temperature_c: int, price: int, valid_until: int
    ) -> None: ...

    def withdraw_offer(self, sender: str, offer_id: int) -> None: ...

    def offer(self, offer_id: int) -> Offer: ...

    def offer_count(self) -> int: ...

    def search_offers(
        self, query: OfferQuery, cursor: int = 0, limit: int = DEFAULT_SEARCH_LIMIT
    ) -> SearchPage:
        """One page of offers compatible with ``query``, in ascending offer id."""
        ...

    # ----- execution layer: F2F agreements ------------------------------------------
    def propose_agreement(self, sender: str, offer_id: int, quantity: int, duration_s: int) -> int:
        """Propose an agreement; auto-accept offers accept it in the same transaction."""
        ...

    def accept_agreement(self, sender: str, agreement_id: int) -> None: ...

    def reject_agreement(self, sender: str, agreement_id: int) -> None: ...

    def terminate_agreement(self, sender: str, agreement_id: int) -> None: ...

    def close_agreement(self, sender: str, agreement_id: int) -> None:
        """Anyone may close an expired agreement, releasing its reserved capacity."""
        ...

    def record_delivery(self, sender: str, agreement_id: int, quantity: int) -> None: ...

    def agreement(self, agreement_id: int) -> Agreement: ...

    def agreement_count(self) -> int: ...


def search_all(platform: Platform, query: OfferQuery, page_size: int = DEFAULT_SEARCH_LIMIT) -> Iterator[OfferMatch]:
    """Every offer matching ``query``, following the pagination cursor to the end."""
    cursor = 0
    while True:
        page = platform.search_offers(query, cursor, page_size)
        yield from page.matches
        if page.next_cursor == 0:
            return
        cursor = page.next_cursor


__all__ = [
    "Event",
    "MAX_BATCH",
    "MAX_NAME_BYTES",
    "Platform",
    "Role",
    "TxStats",
    "search_all",
    "DEFAULT_SEARCH_LIMIT",
    "Offer",
]
