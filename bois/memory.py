"""The in-memory platform: a plain-Python reference model of the BOIS contracts.

:class:`MemoryPlatform` implements :class:`bois.platform.Platform` with exactly the
rules of ``docs/platform.md``: the same checks in the same order, the same custom
errors (:mod:`bois.errors`) with the same argument values, the same events, the same
effective states. It is used for large sweeps (no EVM, no gas) and as the oracle of the
differential tests of the contracts.

Transactions are atomic: every check runs before anything is mutated, so a call that
raises a contract error leaves the platform exactly as it was (it is not counted in
:attr:`stats`, and :attr:`last_events` reads ``[]`` as after a revert on a chain).
Values that cannot be encoded raise :class:`bois.errors.InvalidInput` before that, as
the chain client does.

Time is a simulated clock: :meth:`now` starts at :data:`GENESIS_TIME` and only
:meth:`advance_time` moves it; a transaction runs at :meth:`now`. (On the embedded
chain a transaction runs at ``now() + 1``, the timestamp of the block that mines it.)

Searches give exactly the results of the contract's scan over all offer ids, but visit
only the offers that can match: per form, and for distance-limited queries per cell of
a spatial grid, in ascending id; offers that can no longer match are dropped from these
indexes lazily. Snapshots are pickled copies of the state.
"""

from __future__ import annotations

import bisect
import functools
import heapq
import math
import pickle
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar

from eth_utils import is_address, keccak, to_checksum_address

from . import errors
from .validate import check_int, check_uint
from .platform import DEFAULT_SEARCH_LIMIT, MAX_BATCH, MAX_NAME_BYTES, Event, Role, TxStats
from .types import (
    Agreement,
    AgreementState,
    EnergyForm,
    Firm,
    FirmStatus,
    Offer,
    OfferMatch,
    OfferQuery,
    OfferStatus,
    SearchPage,
    mask_to_forms,
)

GENESIS_TIME = 1_700_000_000
"""Where the clock of a fresh :class:`MemoryPlatform` starts (seconds)."""

N_FORMS = len(EnergyForm)  # forms are 0..6; 7 encodes but is unknown
MAX_SEARCH_LIMIT = 200
GRID_CELL_M = 1_000  # side of the cells of the spatial search index, metres

DEFAULT_ADMIN_ROLE = b"\x00" * 32
ROLE_IDS: dict[Role, bytes] = {r: keccak(text=r.value) for r in Role}

UINT8 = 2**8 - 1
UINT32 = 2**32 - 1
UINT40 = 2**40 - 1
UINT64 = 2**64 - 1
UINT256 = 2**256 - 1
INT16 = (-(2**15), 2**15 - 1)
INT32 = (-(2**31), 2**31 - 1)

# Allowed firm status transitions (current -> requested).
_TRANSITIONS = frozenset(
    {
        (FirmStatus.OPERATING, FirmStatus.DISRUPTED),
        (FirmStatus.RECOVERED, FirmStatus.DISRUPTED),
        (FirmStatus.DISRUPTED, FirmStatus.RECOVERED),
        (FirmStatus.RECOVERED, FirmStatus.OPERATING),
    }
)
_CAN_TRADE = (FirmStatus.OPERATING, FirmStatus.RECOVERED)

# Stored agreement states (the effective SUSPENDED / EXPIRED are derived on read).
_PROPOSED = AgreementState.PROPOSED
_ACTIVE = AgreementState.ACTIVE


_F = TypeVar("_F", bound=Callable[..., Any])


def _transaction(method: _F) -> _F:
    """A state-changing method: a revert leaves ``last_events`` empty, as on a chain.

    (Python-side ``InvalidInput`` is raised before anything is "sent" and leaves them alone.)
    """

    @functools.wraps(method)
    def wrapper(self: "MemoryPlatform", *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except errors.ContractError:
            self.last_events = []
            raise

    return wrapper  # type: ignore[return-value]


# ----- Python-side input checks (same on every backend) ---------------------------------
_uint, _int = check_uint, check_int


def _form(name: str, value: Any) -> int:
    """A form parameter: an EnergyForm or a plain int 0..255, passed through unchanged."""
    return _uint(name, value, UINT8)


def _mask(name: str, forms: Iterable[Any]) -> int:
    """A set of forms as the contract's uint8 bit mask (bit 7 encodes, and reverts)."""
    if isinstance(forms, (str, bytes)):
        raise errors.InvalidInput(f"{name} must be an iterable of energy forms, got {forms!r}")
    try:
        items = list(forms)
    except TypeError:
        raise errors.InvalidInput(f"{name} must be an iterable of energy forms, got {forms!r}") from None
    mask = 0
    for f in items:
        mask |= 1 << _uint(f"{name} form", f, 7)
    return mask


def _address(name: str, value: Any) -> str:
    if not isinstance(value, str) or not is_address(value):
        raise errors.InvalidInput(f"{name} must be an address, got {value!r}")
    return str(to_checksum_address(value))


def _bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise errors.InvalidInput(f"{name} must be a bool, got {value!r}")
    return value


def _tail(ids: list[int], first: int) -> Iterator[int]:
    """The ids >= ``first`` of an ascending list, without copying it (the list is not
    modified while the iterator is used)."""
    return (ids[i] for i in range(bisect.bisect_left(ids, first), len(ids)))


# ----- stored records ---------------------------------------------------------------------
@dataclass
class _Firm:
    owner: str
    name: str
    sector: int
    x: int
    y: int
    supplies: int
    needs: int
    status: FirmStatus
    live: int
    registered_block: int


@dataclass
class _Offer:
    supplier_id: int
    form: int
    status: OfferStatus
    auto_accept: bool
    temperature: int
    valid_until: int
    price: int
    quantity: int
    reserved: int
    indexed: bool = False  # present in the search indexes


@dataclass
class _Agreement:
    offer_id: int
    supplier_id: int
    consumer_id: int
    quantity: int
    price: int
    state: AgreementState  # stored state
    started_at: int
    ends_at: int
    duration: int
    delivered: int


@dataclass
class _State:
    now: int = GENESIS_TIME
    block: int = 0
    firms: list[_Firm] = field(default_factory=list)  # firm id i at index i - 1
    firm_of: dict[str, int] = field(default_factory=dict)
    offers: list[_Offer] = field(default_factory=list)
    agreements: list[_Agreement] = field(default_factory=list)
    roles: dict[bytes, set[str]] = field(default_factory=dict)
    # Search indexes: per form, ascending ids of offers that may still match. Offers that
    # can never match again (withdrawn, supplier left) or not now (expired) are pruned
    # lazily by searches; an update re-inserts an expired offer.
    by_form: list[list[int]] = field(default_factory=lambda: [[] for _ in range(N_FORMS)])
    # The same offers per form and per grid cell of their supplier's location.
    grid: list[dict[tuple[int, int], list[int]]] = field(default_factory=lambda: [{} for _ in range(N_FORMS)])


class MemoryPlatform:
    """The BOIS platform as plain Python objects (reference model of the contracts)."""

    def __init__(self, start_time: int = GENESIS_TIME) -> None:
        self.stats = TxStats()
        self.last_events: list[Event] = []
        self._accounts = 0
        self._snapshots: dict[int, bytes] = {}
        self._next_snapshot = 1
        self._clean: int | None = None  # a snapshot equal to the current state, if any
        self._s = _State(now=_uint("start_time", start_time, UINT40))
        self._admin = self.new_account()
        self._s.roles[DEFAULT_ADMIN_ROLE] = {self._admin}

    # ----- accounts, time, snapshots -----------------------------------------------------
    @property
    def admin(self) -> str:
        return self._admin

    def new_account(self) -> str:
        self._accounts += 1
        raw = keccak(b"bois.memory.account" + self._accounts.to_bytes(8, "big"))[-20:]
        return str(to_checksum_address(raw))

    def now(self) -> int:
        return self._s.now

    def advance_time(self, seconds: int) -> None:
        self._s.now += _uint("seconds", seconds, UINT40)
        self._clean = None

    def snapshot(self) -> int:
        """Remember the platform state (clock included); returns the snapshot's id.

        :attr:`stats` and the account sequence are not part of it (on a chain they count
        what was sent, which a revert does not undo).
        """
        sid = self._next_snapshot
        self._next_snapshot += 1
        if self._clean is not None:  # nothing happened since that snapshot: share its bytes
            self._snapshots[sid] = self._snapshots[self._clean]
        else:
            self._snapshots[sid] = pickle.dumps(self._s, pickle.HIGHEST_PROTOCOL)  # a deep copy
        self._clean = sid
        return sid

    def revert(self, snapshot_id: Any) -> None:
        """Go back to a snapshot. The snapshot stays usable: one may revert to it again."""
        try:
            saved = self._snapshots[snapshot_id]
        except (KeyError, TypeError):
            raise errors.InvalidInput(f"unknown snapshot {snapshot_id!r}") from None
        self._s = pickle.loads(saved)
        self._clean = snapshot_id
        self.last_events = []

    # ----- roles (OpenZeppelin AccessControl) ----------------------------------------------
    def _has(self, role_id: bytes, account: str) -> bool:
        return account in self._s.roles.get(role_id, ())

    def _role_id(self, role: Any) -> bytes:
        try:
            return ROLE_IDS[Role(role)]
        except ValueError:
            raise errors.InvalidInput(f"unknown role {role!r}") from None

    def has_role(self, role: Role, account: str) -> bool:
        return self._has(self._role_id(role), _address("account", account))

    @_transaction
    def grant_role(self, sender: str, role: Role, account: str) -> None:
        sender = _address("sender", sender)
        role_id = self._role_id(role)
        account = _address("account", account)
        if not self._has(DEFAULT_ADMIN_ROLE, sender):
            raise errors.AccessControlUnauthorizedAccount(sender, DEFAULT_ADMIN_ROLE)
        events = []
        if not self._has(role_id, account):
            self._s.roles.setdefault(role_id, set()).add(account)
            events.append(Event("RoleGranted", {"role": role_id, "account": account, "sender": sender}))
        self._commit("grantRole", events)

    @_transaction
    def revoke_role(self, sender: str, role: Role, account: str) -> None:
        sender = _address("sender", sender)
        role_id = self._role_id(role)
        account = _address("account", account)
        if not self._has(DEFAULT_ADMIN_ROLE, sender):
            raise errors.AccessControlUnauthorizedAccount(sender, DEFAULT_ADMIN_ROLE)
        events = []
        if self._has(role_id, account):
            self._s.roles[role_id].discard(account)
            events.append(Event("RoleRevoked", {"role": role_id, "account": account, "sender": sender}))
        self._commit("revokeRole", events)

    def _commit(self, function: str, events: list[Event]) -> None:
        self._clean = None
        self._s.block += 1
        self.stats.add(function, 0)
        self.last_events = events

    # ----- physical layer: firm registry -------------------------------------------------------
    @_transaction
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
        sender = _address("sender", sender)
        if not isinstance(name, str):
            raise errors.InvalidInput(f"name must be a str, got {name!r}")
        sector = _uint("sector", sector, UINT8)
        x_m = _int("x_m", x_m, INT32)
        y_m = _int("y_m", y_m, INT32)
        supplies_mask = _mask("supplies", supplies)
        needs_mask = _mask("needs", needs)
        s = self._s
        if sender in s.firm_of:
            raise errors.FirmAlreadyRegistered(sender, s.firm_of[sender])
        length = len(name.encode("utf-8"))
        if length == 0 or length > MAX_NAME_BYTES:
            raise errors.FirmInvalidName(length)
        if supplies_mask >> N_FORMS:
            raise errors.UnknownEnergyForm(supplies_mask)
        if needs_mask >> N_FORMS:
            raise errors.UnknownEnergyForm(needs_mask)
        firm_id = len(s.firms) + 1
        s.firms.append(
            _Firm(sender, name, sector, x_m, y_m, supplies_mask, needs_mask, FirmStatus.OPERATING, 0, s.block + 1)
        )
        s.firm_of[sender] = firm_id
        self._commit(
            "registerFirm",
            [
                Event(
                    "FirmRegistered",
                    {
                        "firmId": firm_id,
                        "owner": sender,
                        "name": name,
                        "sector": sector,
                        "x": x_m,
                        "y": y_m,
                        "supplies": supplies_mask,
                        "needs": needs_mask,
                    },
                )
            ],
        )
        return firm_id

    def _live_firm(self, firm_id: int) -> _Firm:
        """The firm, which must exist and not have left (else ``FirmUnknown``)."""
        if 1 <= firm_id <= len(self._s.firms):
            f = self._s.firms[firm_id - 1]
            if f.status != FirmStatus.LEFT:
                return f
        raise errors.FirmUnknown(firm_id)

    def _owns(self, account: str, firm_id: int) -> bool:
        # Ownership is current: a firm that left has no owner any more.
        return self._s.firm_of.get(account) == firm_id

    @_transaction
    def report_status(self, sender: str, firm_id: int, status: FirmStatus) -> None:
        sender = _address("sender", sender)
        firm_id = _uint("firm_id", firm_id, UINT32)
        requested = _uint("status", status, UINT8)
        f = self._live_firm(firm_id)
        if not (self._owns(sender, firm_id) or self._has(ROLE_IDS[Role.OPERATOR], sender)):
            raise errors.FirmNotOwner(firm_id, sender)
        previous = f.status
        if requested > FirmStatus.LEFT or (previous, requested) not in _TRANSITIONS:
            raise errors.FirmInvalidStatus(firm_id, int(previous), requested)
        f.status = FirmStatus(requested)
        self._commit(
            "reportStatus",
            [
                Event(
                    "FirmStatusReported",
                    {"firmId": firm_id, "previous": int(previous), "status": requested, "reporter": sender},
                )
            ],
        )

    @_transaction
    def leave_registry(self, sender: str) -> None:
        sender = _address("sender", sender)
        s = self._s
        firm_id = s.firm_of.get(sender, 0)
        if firm_id == 0:
            raise errors.FirmNotRegistered(sender)
        f = s.firms[firm_id - 1]
        if f.live:
            raise errors.FirmHasLiveAgreements(firm_id, f.live)
        f.status = FirmStatus.LEFT
        del s.firm_of[sender]
        self._commit("leaveRegistry", [Event("FirmLeft", {"firmId": firm_id, "owner": sender})])

    def firm(self, firm_id: int) -> Firm:
        firm_id = _uint("firm_id", firm_id, UINT32)
        if not 1 <= firm_id <= len(self._s.firms):
            raise errors.FirmUnknown(firm_id)
        f = self._s.firms[firm_id - 1]
        return Firm(
            firm_id=firm_id,
            owner=f.owner,
            name=f.name,
            sector=f.sector,
            x_m=f.x,
            y_m=f.y,
            supplies=mask_to_forms(f.supplies),
            needs=mask_to_forms(f.needs),
            status=f.status,
            live_agreements=f.live,
        )

    def firm_id_of(self, account: str) -> int:
        return self._s.firm_of.get(_address("account", account), 0)

    def firm_count(self) -> int:
        return len(self._s.firms)

    # ----- searching layer: offers ---------------------------------------------------------------
    def _trading_firm_of(self, sender: str) -> int:
        """The sender's firm id; it must exist and not be disrupted."""
        firm_id = self._s.firm_of.get(sender, 0)
        if firm_id == 0:
            raise errors.FirmNotRegistered(sender)
        if self._s.firms[firm_id - 1].status == FirmStatus.DISRUPTED:
            raise errors.FirmDisrupted(firm_id)
        return firm_id

    @staticmethod
    def _offer_args(
        form: Any, quantity: Any, temperature_c: Any, price: Any, valid_until: Any, auto_accept: Any
    ) -> tuple[int, int, int, int, int, bool]:
        return (
            _form("form", form),
            _uint("quantity", quantity, UINT64),
            _int("temperature_c", temperature_c, INT16),
            _uint("price", price, UINT40),
            _uint("valid_until", valid_until, UINT40),
            _bool("auto_accept", auto_accept),
        )

    def _check_post(self, firm_id: int, form: int, quantity: int, valid_until: int) -> None:
        f = self._s.firms[firm_id - 1]
        if form >= N_FORMS:
            raise errors.UnknownEnergyForm(form)
        if not f.supplies & (1 << form):
            raise errors.FirmFormNotSupplied(firm_id, form)
        if quantity == 0:
            raise errors.ZeroQuantity()
        if valid_until <= self._s.now:
            raise errors.OfferInvalidValidity(valid_until, self._s.now)

    def _apply_post(
        self, firm_id: int, form: int, quantity: int, temperature: int, price: int, valid_until: int, auto: bool
    ) -> tuple[int, Event]:
        s = self._s
        s.offers.append(_Offer(firm_id, form, OfferStatus.OPEN, auto, temperature, valid_until, price, quantity, 0))
        offer_id = len(s.offers)
        self._index(offer_id, s.offers[-1])
        return offer_id, Event(
            "OfferPosted",
            {
                "offerId": offer_id,
                "supplierId": firm_id,
                "form": form,
                "quantity": quantity,
                "temperature": temperature,
                "price": price,
                "validUntil": valid_until,
                "autoAccept": auto,
            },
        )

    @_transaction
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
        sender = _address("sender", sender)
        args = self._offer_args(form, quantity, temperature_c, price, valid_until, auto_accept)
        firm_id = self._trading_firm_of(sender)
        self._check_post(firm_id, args[0], args[1], args[4])
        offer_id, event = self._apply_post(firm_id, *args)
        self._commit("postOffer", [event])
        return offer_id

    @_transaction
    def post_offers(self, sender: str, offers: Sequence[Any]) -> list[int]:
        """Post several offers in one transaction (all or nothing; at most 256); returns their ids.

        Each offer is a tuple ``(form, quantity, temperature_c, price, valid_until[,
        auto_accept])`` or an object with those attributes (``bois.OfferSpec``).
        """
        sender = _address("sender", sender)
        if isinstance(offers, (str, bytes)):
            raise errors.InvalidInput(f"offers must be a list, got {offers!r}")
        rows = [
            (o.form, o.quantity, o.temperature_c, o.price, o.valid_until, getattr(o, "auto_accept", False))
            if hasattr(o, "valid_until")
            else (*o, False) if isinstance(o, tuple) and len(o) == 5 else o
            for o in offers
        ]
        items = self._batch_items("offers", rows, 6)
        parsed = [self._offer_args(*item) for item in items]
        if len(parsed) > MAX_BATCH:
            raise errors.BatchTooLarge(len(parsed), MAX_BATCH)
        if not parsed:  # the contract returns before looking at the sender
            self._commit("postOffers", [])
            return []
        firm_id = self._trading_firm_of(sender)
        for form, quantity, _t, _p, valid_until, _a in parsed:
            self._check_post(firm_id, form, quantity, valid_until)
        ids: list[int] = []
        events: list[Event] = []
        for args in parsed:
            offer_id, event = self._apply_post(firm_id, *args)
            ids.append(offer_id)
            events.append(event)
        self._commit("postOffers", events)
        return ids

    @staticmethod
    def _batch_items(name: str, items: Any, width: int) -> list[tuple[Any, ...]]:
        if isinstance(items, (str, bytes)):
            raise errors.InvalidInput(f"{name} must be a list of tuples, got {items!r}")
        try:
            out = [tuple(item) for item in items]
        except TypeError:
            raise errors.InvalidInput(f"{name} must be a list of {width}-tuples") from None
        for item in out:
            if len(item) != width:
                raise errors.InvalidInput(f"each of {name} must have {width} values, got {item!r}")
        return out

    def _offer_of(self, offer_id: int) -> _Offer:
        if 1 <= offer_id <= len(self._s.offers):
            return self._s.offers[offer_id - 1]
        raise errors.OfferUnknown(offer_id)

    def _owned_open_offer(self, sender: str, offer_id: int) -> _Offer:
        o = self._offer_of(offer_id)
        if not self._owns(sender, o.supplier_id):
            raise errors.FirmNotOwner(o.supplier_id, sender)
        if o.status != OfferStatus.OPEN:
            raise errors.OfferNotOpen(offer_id)
        return o

    @_transaction
    def update_offer(
        self, sender: str, offer_id: int, quantity: int, temperature_c: int, price: int, valid_until: int
    ) -> None:
        sender = _address("sender", sender)
        offer_id = _uint("offer_id", offer_id, UINT256)
        quantity = _uint("quantity", quantity, UINT64)
        temperature_c = _int("temperature_c", temperature_c, INT16)
        price = _uint("price", price, UINT40)
        valid_until = _uint("valid_until", valid_until, UINT40)
        o = self._owned_open_offer(sender, offer_id)
        if self._s.firms[o.supplier_id - 1].status == FirmStatus.DISRUPTED:
            raise errors.FirmDisrupted(o.supplier_id)
        if quantity == 0:
            raise errors.ZeroQuantity()
        if quantity < o.reserved:
            raise errors.OfferBelowReserved(offer_id, quantity, o.reserved)
        if valid_until <= self._s.now:
            raise errors.OfferInvalidValidity(valid_until, self._s.now)
        o.quantity, o.temperature, o.price, o.valid_until = quantity, temperature_c, price, valid_until
        if not o.indexed:  # it was pruned while expired; it is valid again
            self._index(offer_id, o)
        self._commit(
            "updateOffer",
            [
                Event(
                    "OfferUpdated",
                    {
                        "offerId": offer_id,
                        "quantity": quantity,
                        "temperature": temperature_c,
                        "price": price,
                        "validUntil": valid_until,
                    },
                )
            ],
        )

    @_transaction
    def withdraw_offer(self, sender: str, offer_id: int) -> None:
        sender = _address("sender", sender)
        offer_id = _uint("offer_id", offer_id, UINT256)
        o = self._owned_open_offer(sender, offer_id)
        o.status = OfferStatus.WITHDRAWN
        self._commit("withdrawOffer", [Event("OfferWithdrawn", {"offerId": offer_id})])

    def _offer_view(self, offer_id: int, o: _Offer) -> Offer:
        return Offer(
            offer_id=offer_id,
            supplier_id=o.supplier_id,
            form=EnergyForm(o.form),
            quantity=o.quantity,
            reserved=o.reserved,
            temperature_c=o.temperature,
            price=o.price,
            valid_until=o.valid_until,
            auto_accept=o.auto_accept,
            status=o.status,
        )

    def offer(self, offer_id: int) -> Offer:
        offer_id = _uint("offer_id", offer_id, UINT256)
        return self._offer_view(offer_id, self._offer_of(offer_id))

    def offer_count(self) -> int:
        return len(self._s.offers)

    def search_offers(
        self, query: OfferQuery, cursor: int = 0, limit: int = DEFAULT_SEARCH_LIMIT
    ) -> SearchPage:
        """One page of matching offers in ascending id; same results as the contract's scan.

        The contract scans every offer id from the cursor. Here only the offers that can
        match are visited, in the same (ascending id) order: the offers of the form that
        may still be valid, or, for a distance-limited query, those whose supplier lies in
        a grid cell that overlaps the query's bounding square. Offers that are skipped can
        never be matches, so the page and its ``next_cursor`` are exactly the scan's.
        """
        form = _form("form", query.form)
        min_quantity = _uint("min_quantity", query.min_quantity, UINT64)
        min_temperature = _int("min_temperature_c", query.min_temperature_c, INT16)
        max_distance = _uint("max_distance_m", query.max_distance_m, UINT64)
        qx = _int("x_m", query.x_m, INT32)
        qy = _int("y_m", query.y_m, INT32)
        cursor = _uint("cursor", cursor, UINT256)
        limit = _uint("limit", limit, UINT256)
        if form >= N_FORMS:
            raise errors.UnknownEnergyForm(form)
        limit = min(max(limit, 1), MAX_SEARCH_LIMIT)
        s = self._s
        now = s.now
        count = len(s.offers)
        max_sq = max_distance * max_distance
        first = max(cursor, 1)
        candidates: Iterable[int] = ()
        grid_lists = self._grid_lists(form, qx, qy, max_distance) if max_distance else None
        if grid_lists is not None:
            candidates = heapq.merge(*[_tail(lst, first) for lst in grid_lists])
        else:
            candidates = _tail(s.by_form[form], first)
        matches: list[OfferMatch] = []
        dead: list[int] = []  # offers that cannot match (now), to drop from the index
        next_cursor = 0
        offers, firms = s.offers, s.firms
        for offer_id in candidates:
            o = offers[offer_id - 1]
            supplier = firms[o.supplier_id - 1]
            if o.status != OfferStatus.OPEN or o.valid_until <= now or supplier.status == FirmStatus.LEFT:
                dead.append(offer_id)  # never matches again unless updated (expired)
                continue
            if (
                supplier.status in _CAN_TRADE
                and o.quantity - o.reserved >= min_quantity
                and o.temperature >= min_temperature
            ):
                dx = supplier.x - qx
                dy = supplier.y - qy
                sq = dx * dx + dy * dy
                if max_distance == 0 or sq <= max_sq:
                    matches.append(OfferMatch(self._offer_view(offer_id, o), math.isqrt(sq)))
                    if len(matches) == limit:
                        next_cursor = offer_id + 1 if offer_id + 1 <= count else 0
                        break
        for offer_id in dead:
            self._unindex(offer_id)
        return SearchPage(matches, next_cursor)

    def _grid_lists(self, form: int, qx: int, qy: int, radius: int) -> list[list[int]] | None:
        """The id lists of the grid cells overlapping the query square, or None when the
        square covers so much of the park that the per-form list is the cheaper walk."""
        cells = self._s.grid[form]
        c = GRID_CELL_M
        x0, x1 = (qx - radius) // c, (qx + radius) // c
        y0, y1 = (qy - radius) // c, (qy + radius) // c
        n_box = (x1 - x0 + 1) * (y1 - y0 + 1)
        if n_box <= len(cells):
            lists = [lst for cx in range(x0, x1 + 1) for cy in range(y0, y1 + 1) if (lst := cells.get((cx, cy)))]
        else:
            lists = [lst for (cx, cy), lst in cells.items() if x0 <= cx <= x1 and y0 <= cy <= y1]
        if sum(len(lst) for lst in lists) * 2 > len(self._s.by_form[form]):
            return None
        return lists

    def _cell(self, firm_id: int) -> tuple[int, int]:
        f = self._s.firms[firm_id - 1]
        return f.x // GRID_CELL_M, f.y // GRID_CELL_M

    def _index(self, offer_id: int, o: _Offer) -> None:
        """Put an offer in the search indexes (ids stay sorted)."""
        s = self._s
        for lst in (s.by_form[o.form], s.grid[o.form].setdefault(self._cell(o.supplier_id), [])):
            if not lst or lst[-1] < offer_id:
                lst.append(offer_id)
            else:
                bisect.insort(lst, offer_id)
        o.indexed = True

    def _unindex(self, offer_id: int) -> None:
        """Drop an offer that cannot match now from the search indexes."""
        s = self._s
        o = s.offers[offer_id - 1]
        if not o.indexed:
            return
        cell = self._cell(o.supplier_id)
        for lst in (s.by_form[o.form], s.grid[o.form][cell]):
            i = bisect.bisect_left(lst, offer_id)
            if i < len(lst) and lst[i] == offer_id:
                del lst[i]
        if not s.grid[o.form][cell]:
            del s.grid[o.form][cell]
        o.indexed = False

    # ----- execution layer: F2F agreements --------------------------------------------------------
    def _effective(self, a: _Agreement) -> AgreementState:
        if a.state == _ACTIVE:
            if self._s.now >= a.ends_at:
                return AgreementState.EXPIRED
            if self._s.firms[a.supplier_id - 1].status == FirmStatus.DISRUPTED:
                return AgreementState.SUSPENDED
        return a.state

    def _agreement_of(self, agreement_id: int) -> _Agreement:
        if 1 <= agreement_id <= len(self._s.agreements):
            return self._s.agreements[agreement_id - 1]
        raise errors.AgreementUnknown(agreement_id)

    def _check_propose(
        self, consumer_id: int, offer_id: int, quantity: int, duration: int, extra_reserved: int = 0
    ) -> _Offer:
        """The checks of proposeAgreement after the consumer's (``extra_reserved``: batch overlay)."""
        s = self._s
        o = self._offer_of(offer_id)
        if o.status != OfferStatus.OPEN:
            raise errors.OfferNotOpen(offer_id)
        if s.now >= o.valid_until:
            raise errors.OfferExpired(offer_id, o.valid_until)
        supplier = s.firms[o.supplier_id - 1]
        if supplier.status == FirmStatus.LEFT:
            raise errors.FirmUnknown(o.supplier_id)
        if supplier.status == FirmStatus.DISRUPTED:
            raise errors.FirmDisrupted(o.supplier_id)
        if o.supplier_id == consumer_id:
            raise errors.AgreementSelfDealing(consumer_id)
        if quantity == 0:
            raise errors.ZeroQuantity()
        if duration == 0:
            raise errors.AgreementZeroDuration()
        remaining = o.quantity - o.reserved - extra_reserved
        if quantity > remaining:
            raise errors.OfferOverAllocated(offer_id, quantity, remaining)
        return o

    def _apply_propose(self, consumer_id: int, offer_id: int, quantity: int, duration: int) -> tuple[int, list[Event]]:
        s = self._s
        o = s.offers[offer_id - 1]
        s.agreements.append(
            _Agreement(offer_id, o.supplier_id, consumer_id, quantity, o.price, _PROPOSED, 0, 0, duration, 0)
        )
        agreement_id = len(s.agreements)
        events = [
            Event(
                "AgreementProposed",
                {
                    "agreementId": agreement_id,
                    "offerId": offer_id,
                    "consumerId": consumer_id,
                    "quantity": quantity,
                    "duration": duration,
                },
            )
        ]
        if o.auto_accept:
            events.append(self._apply_accept(agreement_id))
        return agreement_id, events

    @_transaction
    def propose_agreement(self, sender: str, offer_id: int, quantity: int, duration_s: int) -> int:
        sender = _address("sender", sender)
        offer_id = _uint("offer_id", offer_id, UINT256)
        quantity = _uint("quantity", quantity, UINT64)
        duration_s = _uint("duration_s", duration_s, UINT40)
        consumer_id = self._trading_firm_of(sender)
        self._check_propose(consumer_id, offer_id, quantity, duration_s)
        agreement_id, events = self._apply_propose(consumer_id, offer_id, quantity, duration_s)
        self._commit("proposeAgreement", events)
        return agreement_id

    @_transaction
    def propose_agreements(self, sender: str, items: Sequence[tuple[int, int, int]]) -> list[int]:
        """Propose several agreements in one transaction (all or nothing; at most 256)."""
        sender = _address("sender", sender)
        parsed = [
            (_uint("offer_id", i, UINT256), _uint("quantity", q, UINT64), _uint("duration_s", d, UINT40))
            for i, q, d in self._batch_items("items", items, 3)
        ]
        if len(parsed) > MAX_BATCH:
            raise errors.BatchTooLarge(len(parsed), MAX_BATCH)
        if not parsed:  # the contract returns before looking at the sender
            self._commit("proposeAgreements", [])
            return []
        consumer_id = self._trading_firm_of(sender)
        # Validate every item against the state the earlier items leave behind: only an
        # auto-accepted proposal changes what later checks read (the offer's reserved).
        overlay: dict[int, int] = {}
        for offer_id, quantity, duration in parsed:
            o = self._check_propose(consumer_id, offer_id, quantity, duration, overlay.get(offer_id, 0))
            if o.auto_accept:
                overlay[offer_id] = overlay.get(offer_id, 0) + quantity
        ids: list[int] = []
        events: list[Event] = []
        for offer_id, quantity, duration in parsed:
            agreement_id, evs = self._apply_propose(consumer_id, offer_id, quantity, duration)
            ids.append(agreement_id)
            events.extend(evs)
        self._commit("proposeAgreements", events)
        return ids

    def _apply_accept(self, agreement_id: int) -> Event:
        s = self._s
        a = s.agreements[agreement_id - 1]
        o = s.offers[a.offer_id - 1]
        o.reserved += a.quantity
        s.firms[a.supplier_id - 1].live += 1
        s.firms[a.consumer_id - 1].live += 1
        a.state = _ACTIVE
        a.started_at = s.now
        a.ends_at = s.now + a.duration
        # The event's endsAt is a uint40: a duration reaching past 2**40 - 1 reads as that maximum.
        return Event(
            "AgreementAccepted",
            {"agreementId": agreement_id, "offerId": a.offer_id, "reserved": o.reserved, "endsAt": min(a.ends_at, UINT40)},
        )

    @_transaction
    def accept_agreement(self, sender: str, agreement_id: int) -> None:
        sender = _address("sender", sender)
        agreement_id = _uint("agreement_id", agreement_id, UINT256)
        s = self._s
        a = self._agreement_of(agreement_id)
        if not self._owns(sender, a.supplier_id):
            raise errors.AgreementNotSupplier(agreement_id, sender)
        if a.state != _PROPOSED:
            raise errors.AgreementWrongState(agreement_id, int(self._effective(a)))
        if s.firms[a.supplier_id - 1].status == FirmStatus.DISRUPTED:
            raise errors.FirmDisrupted(a.supplier_id)
        if s.firms[a.consumer_id - 1].status == FirmStatus.LEFT:
            raise errors.FirmUnknown(a.consumer_id)
        o = s.offers[a.offer_id - 1]
        if o.status != OfferStatus.OPEN:
            raise errors.OfferNotOpen(a.offer_id)
        if s.now >= o.valid_until:
            raise errors.OfferExpired(a.offer_id, o.valid_until)
        remaining = o.quantity - o.reserved
        if a.quantity > remaining:
            raise errors.OfferOverAllocated(a.offer_id, a.quantity, remaining)
        self._commit("acceptAgreement", [self._apply_accept(agreement_id)])

    @_transaction
    def reject_agreement(self, sender: str, agreement_id: int) -> None:
        sender = _address("sender", sender)
        agreement_id = _uint("agreement_id", agreement_id, UINT256)
        a = self._agreement_of(agreement_id)
        if not self._owns(sender, a.supplier_id):
            raise errors.AgreementNotSupplier(agreement_id, sender)
        if a.state != _PROPOSED:
            raise errors.AgreementWrongState(agreement_id, int(self._effective(a)))
        a.state = AgreementState.REJECTED
        self._commit("rejectAgreement", [Event("AgreementRejected", {"agreementId": agreement_id})])

    def _release(self, a: _Agreement) -> None:
        s = self._s
        s.offers[a.offer_id - 1].reserved -= a.quantity
        s.firms[a.supplier_id - 1].live -= 1
        s.firms[a.consumer_id - 1].live -= 1

    @_transaction
    def terminate_agreement(self, sender: str, agreement_id: int) -> None:
        sender = _address("sender", sender)
        agreement_id = _uint("agreement_id", agreement_id, UINT256)
        a = self._agreement_of(agreement_id)
        if not (self._owns(sender, a.supplier_id) or self._owns(sender, a.consumer_id)):
            raise errors.AgreementNotParty(agreement_id, sender)
        if a.state not in (_PROPOSED, _ACTIVE):
            raise errors.AgreementWrongState(agreement_id, int(self._effective(a)))
        if a.state == _ACTIVE:
            self._release(a)
        a.state = AgreementState.TERMINATED
        self._commit(
            "terminateAgreement", [Event("AgreementTerminated", {"agreementId": agreement_id, "by": sender})]
        )

    @_transaction
    def close_agreement(self, sender: str, agreement_id: int) -> None:
        sender = _address("sender", sender)
        agreement_id = _uint("agreement_id", agreement_id, UINT256)
        a = self._agreement_of(agreement_id)
        if a.state != _ACTIVE:
            raise errors.AgreementWrongState(agreement_id, int(self._effective(a)))
        if self._s.now < a.ends_at:
            raise errors.AgreementNotExpired(agreement_id, a.ends_at)
        self._release(a)
        a.state = AgreementState.CLOSED
        self._commit("closeAgreement", [Event("AgreementClosed", {"agreementId": agreement_id})])

    @_transaction
    def record_delivery(self, sender: str, agreement_id: int, quantity: int) -> None:
        sender = _address("sender", sender)
        agreement_id = _uint("agreement_id", agreement_id, UINT256)
        quantity = _uint("quantity", quantity, UINT64)
        a = self._agreement_of(agreement_id)
        if not (self._has(ROLE_IDS[Role.METER], sender) or self._owns(sender, a.consumer_id)):
            raise errors.AgreementNotMeter(agreement_id, sender)
        state = self._effective(a)
        if state != _ACTIVE:
            raise errors.AgreementWrongState(agreement_id, int(state))
        if quantity == 0:
            raise errors.ZeroQuantity()
        a.delivered += quantity
        self._commit(
            "recordDelivery",
            [
                Event(
                    "DeliveryRecorded",
                    {
                        "agreementId": agreement_id,
                        "quantity": quantity,
                        "delivered": a.delivered,
                        "amountDue": quantity * a.price // 1000,
                    },
                )
            ],
        )

    def agreement(self, agreement_id: int) -> Agreement:
        agreement_id = _uint("agreement_id", agreement_id, UINT256)
        a = self._agreement_of(agreement_id)
        return Agreement(
            agreement_id=agreement_id,
            offer_id=a.offer_id,
            supplier_id=a.supplier_id,
            consumer_id=a.consumer_id,
            quantity=a.quantity,
            price=a.price,
            state=self._effective(a),
            started_at=a.started_at,
            ends_at=a.ends_at,
            duration_s=a.duration,
            delivered=a.delivered,
        )

    def agreement_count(self) -> int:
        return len(self._s.agreements)


__all__ = ["DEFAULT_ADMIN_ROLE", "GENESIS_TIME", "MemoryPlatform", "ROLE_IDS"]
