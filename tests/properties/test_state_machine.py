"""Property-based (stateful) tests: the contracts against the reference model, step by step.

:class:`ChainVsModel` is a hypothesis ``RuleBasedStateMachine`` that drives the deployed
contracts (:class:`bois.chain_platform.ChainPlatform`) with random call sequences from six
accounts (the admin and five others) - many of them chosen to fail: wrong sender (owner /
operator / meter / stranger), invalid status transitions, unknown forms 7..255 passed as
plain ints, zero quantities, expired validity, updates below the reserved quantity,
self-dealing, over-allocation, disrupted or departed parties, closing too early, huge
durations, unknown ids. Every call is applied side by side to a fresh
:class:`bois.memory.MemoryPlatform`, and after every step:

* return value or raised error (class and values) are equal, and ``last_events`` are equal;
* every view is equal: counts, the clock, every firm / offer / agreement, one search page
  (form rotating), roles (re-read after every role call), ``firm_id_of`` of every account
  (after every registerFirm / leaveRegistry and every FULL_EVERY = 4 steps) and the unknown
  ids 0 and count + 1 (every 4 steps);
* invariants hold on the *chain* state (:meth:`_Machine.check_world`): reserved <= quantity;
  reserved == sum of the offer's live agreements; liveAgreements == number of live
  agreements of the firm; no live agreement involves a firm that LEFT; effective state is
  exactly EXPIRED / SUSPENDED / ACTIVE as the rules derive it (so no agreement of a
  DISRUPTED supplier reads ACTIVE); ownership is one-to-one;
* the step changed only what it may (:meth:`_Machine.check_effects`): a failed call changed
  nothing at all (no block, no time, no event); a successful call was made by an account
  entitled to make it (judged from the state before the call, independently of either
  implementation), touched only the records that call may touch, and each event it
  emitted equals the state it reports (``OfferPosted`` args == ``offer()`` afterwards,
  ``AgreementAccepted.reserved`` == offer's reserved afterwards, ``DeliveryRecorded.delivered``
  == agreement's delivered afterwards, ...);
* search pages are checked against an independent oracle computed from the views
  (:func:`expected_search`), and the ``search`` rule draws arbitrary queries (cursor, limit 0
  and > 200, unknown forms, distances up to 2**64 - 1 with int32-extreme coordinates).

Each example starts with 2-4 registered firms, 1-4 offers and 0-3 proposals (all checked
steps), so the agreement layer is reached in most examples; rules are weighted by giving
some a second name and draws favour the accounts / ids a call is about, with strangers,
unknown ids and invalid values mixed in.

The chain is deployed once per session (``tests/properties/conftest.py``) and each example
starts by reverting to a snapshot. Clocks: the chain runs a transaction at ``now + 1`` and
mines it only if it succeeds, so the model's clock is moved by one second around each call
and moved back when the call fails; the two clocks are then equal after every step.

:class:`ModelAlone` runs the same rules and checks on the memory platform alone, with many
more examples (cheap), to stress the reference model against its own invariants;
``test_checks_catch_a_deviating_model`` runs it on three broken models (an authorisation
hole, a reservation leak, SUSPENDED reading ACTIVE) and expects each to be caught.

Runs: CI uses a fixed seed (``derandomize=True``, no example database). The number of
steps executed is printed at the end of each test and stored in the pytest cache
(``.pytest_cache/v/bois/state_machine``). A much longer run::

    BOIS_HYPOTHESIS_PROFILE=deep .venv/bin/python -m pytest tests/properties -q -s

(``BOIS_HYPOTHESIS_SEED=<int>`` additionally switches from the fixed seed to that seed.)
"""

from __future__ import annotations

import math
import os
import time
from collections import Counter
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from bois import errors
from bois.memory import MemoryPlatform
from bois.platform import Event, Platform, Role
from bois.types import (
    LIVE_STATES,
    Agreement,
    AgreementState,
    EnergyForm,
    Firm,
    FirmStatus,
    Offer,
    OfferQuery,
    OfferStatus,
    forms_to_mask,
)

UINT40 = 2**40 - 1
UINT64 = 2**64 - 1
INT32 = (-(2**31), 2**31 - 1)
N_FORMS = len(EnergyForm)
TRANSITIONS = {
    (FirmStatus.OPERATING, FirmStatus.DISRUPTED),
    (FirmStatus.RECOVERED, FirmStatus.DISRUPTED),
    (FirmStatus.DISRUPTED, FirmStatus.RECOVERED),
    (FirmStatus.RECOVERED, FirmStatus.OPERATING),
}
CAN_TRADE = (FirmStatus.OPERATING, FirmStatus.RECOVERED)

# ----- run sizes ------------------------------------------------------------------------------
PROFILE = os.environ.get("BOIS_HYPOTHESIS_PROFILE", "ci")
_SIZES = {
    #            chain: examples, steps      memory alone: examples, steps
    "ci": {"chain": (16, 35), "memory": (100, 80)},
    "deep": {"chain": (400, 80), "memory": (5000, 120)},
}
SIZES = _SIZES[PROFILE] if PROFILE != "smoke" else {"chain": (3, 10), "memory": (10, 20)}
_SEED = os.environ.get("BOIS_HYPOTHESIS_SEED")


@pytest.fixture(autouse=True)
def _reproducible_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the fixed-seed runs depend on this file and the hypothesis version only.

    Besides its seed, hypothesis (>= 6.131) mixes into its draws the literal constants of
    every *local* module imported so far (``providers._get_local_constants``): the same seed
    then explores different sequences depending on which tests ran first in the session and
    on any edit anywhere in bois/ or simulation/ - seen here as a CI run that never reached
    ``acceptAgreement`` while the same file run alone did. The rules already draw the
    boundary values that matter (0, max uint, int extremes) explicitly, so the module
    constants are switched off for these tests.
    """
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - a hypothesis without the module
        return
    if hasattr(providers, "_get_local_constants") and hasattr(providers, "Constants"):
        empty = providers.Constants()
        monkeypatch.setattr(providers, "_get_local_constants", lambda: empty)
        providers.CONSTANTS_CACHE.cache.clear()


def _settings(examples: int, steps: int) -> settings:
    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        derandomize=_SEED is None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
        print_blob=True,
    )


FULL_EVERY = 4

# Totals, reported at the end of each test (and stored in the pytest cache).
STATS: dict[str, Counter[str]] = {"chain": Counter(), "memory": Counter()}


# ----- helpers ------------------------------------------------------------------------------------
@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _run(fn: Callable[[], Any]) -> Outcome:
    try:
        return Outcome(value=fn())
    except (errors.ContractError, errors.InvalidInput) as e:
        return Outcome(error=e)


def _normal(value: Any, mapping: dict[str, str]) -> Any:
    """A plain comparable structure, with addresses renamed by ``mapping`` (chain -> model)."""
    if isinstance(value, str):
        return mapping.get(value, value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)  # IntEnum -> int
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, errors.ContractError):
        return ("error", type(value).__name__, _normal(list(value.values), mapping))
    if isinstance(value, errors.InvalidInput):
        return ("invalid-input",)
    if isinstance(value, Outcome):
        return ("ok", _normal(value.value, mapping)) if value.ok else _normal(value.error, mapping)
    if isinstance(value, Event):
        return (value.name, _normal(value.args, mapping))
    if isinstance(value, dict):
        return {_key(_normal(k, mapping)): _normal(v, mapping) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_normal(v, mapping) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_normal(v, mapping) for v in value)
    if is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, {f.name: _normal(getattr(value, f.name), mapping) for f in fields(value)})
    return value


def _key(k: Any) -> Any:
    return tuple(_key(x) for x in k) if isinstance(k, list) else k


@dataclass
class World:
    """Everything the public views say, read after a step."""

    now: int
    firms: dict[int, Firm]
    offers: dict[int, Offer]
    agreements: dict[int, Agreement]
    firm_of: list[int]  # per actor index
    roles: dict[tuple[str, int], bool]  # (role value, actor index)
    probes: dict[str, Outcome] = field(default_factory=dict)  # views of unknown ids

    def owner_index(self, firm_id: int) -> int | None:
        for i, f in enumerate(self.firm_of):
            if f == firm_id and f != 0:
                return i
        return None


def read_world(p: Platform, actors: list[str], roles: dict[tuple[str, int], bool] | None,
               probe: bool = True, firm_of: list[int] | None = None) -> World:
    """All views. ``roles`` / ``firm_of`` given: reuse them instead of reading them (only
    role calls change roles, only registerFirm / leaveRegistry change ownership); ``probe``:
    also read the unknown ids 0 and count + 1."""
    nf, no, na = p.firm_count(), p.offer_count(), p.agreement_count()
    if roles is None:
        roles = {(r.value, i): p.has_role(r, a) for r in Role for i, a in enumerate(actors)}
    probes = {} if not probe else {
        "firm(0)": _run(lambda: p.firm(0)),
        "firm(n+1)": _run(lambda: p.firm(nf + 1)),
        "offer(0)": _run(lambda: p.offer(0)),
        "offer(n+1)": _run(lambda: p.offer(no + 1)),
        "agreement(0)": _run(lambda: p.agreement(0)),
        "agreement(n+1)": _run(lambda: p.agreement(na + 1)),
    }
    return World(
        now=p.now(),
        firms={i: p.firm(i) for i in range(1, nf + 1)},
        offers={i: p.offer(i) for i in range(1, no + 1)},
        agreements={i: p.agreement(i) for i in range(1, na + 1)},
        firm_of=list(firm_of) if firm_of is not None else [p.firm_id_of(a) for a in actors],
        roles=dict(roles),
        probes=probes,
    )


def _stored(a: Agreement) -> Agreement:
    """The agreement with its effective state folded back to the stored one."""
    return replace(a, state=AgreementState.ACTIVE) if a.state in LIVE_STATES else a


def _changed(pre: dict[int, Any], post: dict[int, Any], fold: Callable[[Any], Any] = lambda x: x) -> set[int]:
    return {k for k in post if k not in pre or fold(pre[k]) != fold(post[k])} | (set(pre) - set(post))


def expected_search(w: World, q: OfferQuery, cursor: int, limit: int) -> tuple[list[int], list[int], int]:
    """The spec's search, computed from the views alone: (offer ids, distances, next cursor)."""
    limit = min(max(limit, 1), 200)
    ids, dists = [], []
    count = len(w.offers)
    for oid in range(max(cursor, 1), count + 1):
        o = w.offers[oid]
        s = w.firms[o.supplier_id]
        dx, dy = s.x_m - q.x_m, s.y_m - q.y_m
        sq = dx * dx + dy * dy
        if (
            o.status == OfferStatus.OPEN
            and o.valid_until > w.now
            and s.status in CAN_TRADE
            and int(o.form) == int(q.form)
            and o.quantity - o.reserved >= q.min_quantity
            and o.temperature_c >= q.min_temperature_c
            and (q.max_distance_m == 0 or sq <= q.max_distance_m * q.max_distance_m)
        ):
            ids.append(oid)
            dists.append(math.isqrt(sq))
            if len(ids) == limit:
                return ids, dists, (oid + 1 if oid + 1 <= count else 0)
    return ids, dists, 0


# ----- strategies -----------------------------------------------------------------------------------
_valid_names = st.one_of(st.sampled_from(["Refinery", "Power plant", "x" * 64, "é" * 32, "a"]),
                        st.text(min_size=1, max_size=12))
names = st.one_of(_valid_names, _valid_names, _valid_names, st.sampled_from(["", "x" * 65, "é" * 33]))
masks = st.one_of(st.just(127), st.integers(1, 127), st.integers(0, 127), st.integers(128, 255))
coords = st.one_of(st.integers(-500, 500), st.sampled_from([INT32[0], INT32[1]]))
forms = st.one_of(
    st.sampled_from(list(EnergyForm)), st.integers(0, N_FORMS - 1), st.integers(0, N_FORMS - 1),
    st.integers(N_FORMS, 255)
)
quantities = st.one_of(st.integers(1, 50), st.just(0), st.integers(0, UINT64))
temperatures = st.integers(-(2**15), 2**15 - 1)
prices = st.one_of(st.integers(0, 10_000), st.just(UINT40))
_long = st.integers(100, 1_000_000)
validity = st.one_of(  # offsets from the current time; the transaction runs at now + 1
    st.sampled_from([-3, 0, 1, 2, 3, 5, 60]), _long, _long, _long
)
durations = st.one_of(st.sampled_from([1, 2, 60, 3_600]), st.integers(1, 5_000), st.sampled_from([0, 200_000, UINT40]))
time_steps = st.one_of(st.sampled_from([1, 2, 5, 60, 3_600]), st.integers(0, 5_000), st.sampled_from([100_000, 10**6]))
statuses = st.one_of(st.sampled_from(list(FirmStatus)), st.integers(0, 255))


def _bits(mask: int) -> list[int]:
    """A uint8 mask as a list of plain-int forms (bit 7 included: it encodes, and reverts)."""
    return [b for b in range(8) if mask >> b & 1]


class _Machine(RuleBasedStateMachine):
    """The rules and checks; subclasses say which platform(s) the calls go to."""

    kind = "?"
    tx_seconds = 1  # how far the subject's clock moves with a successful transaction

    subject: Platform  # the platform whose state the invariants inspect
    actors: list[str]  # the subject's addresses; index 0 is the admin
    world: World

    def __init__(self) -> None:
        super().__init__()
        self.steps = 0

    # ----- plumbing -----------------------------------------------------------------
    def execute(self, method: str, args: tuple[Any, ...]) -> Outcome:
        """Apply one call (args hold actor indices wrapped in ``_A``) and compare backends."""
        raise NotImplementedError

    def refresh(self, method: str) -> World:
        """Read the views after ``method`` (and compare backends)."""
        raise NotImplementedError

    def _reuse(self, method: str, full: bool) -> tuple[Any, Any]:
        """(roles, firm_of) of the last world that ``method`` cannot have changed, else None."""
        old = getattr(self, "world", None)
        if old is None:
            return None, None
        roles = None if method in ("grant_role", "revoke_role") else old.roles
        firm_of = None if full or method in ("register_firm", "leave_registry") else old.firm_of
        return roles, firm_of

    def tx(self, method: str, sender: int, *args: Any) -> Outcome:
        pre = self.world
        out = self.execute(method, (_A(sender), *args))
        events = list(self.subject.last_events)
        self.world = self.refresh(method)
        STATS[self.kind]["steps"] += 1
        key = "ok" if out.ok else type(out.error).__name__
        STATS[self.kind][f"{method}:{key}"] += 1
        self.check_effects(method, sender, args, out, events, pre, self.world)
        return out

    def addr(self, i: int) -> str:
        return self.actors[i]

    # ----- draws ---------------------------------------------------------------------------
    def actor(self, data: st.DataObject, *prefer: int | None) -> int:
        """Mostly one of ``prefer`` (the accounts entitled to the call), else anyone."""
        prefer_ = [p for p in prefer if p is not None]
        anyone = st.integers(0, len(self.actors) - 1)
        return data.draw(st.one_of(st.sampled_from(prefer_), st.sampled_from(prefer_), anyone) if prefer_ else anyone,
                         label="sender")

    def _pick(self, data: st.DataObject, n: int, good: list[int], label: str) -> int:
        """An id: mostly one of ``good``, else any id 1..n, sometimes the unknown 0 or n + 1."""
        # (one_of favours its first branches: the ones the rule is mostly about come first)
        options = [st.sampled_from(good)] * 3 if good else []
        if n:
            options.append(st.integers(1, n))
        options.append(st.sampled_from([0, n + 1]))
        return data.draw(st.one_of(*options), label=label)

    def firm_id(self, data: st.DataObject) -> int:
        w = self.world
        return self._pick(data, len(w.firms), [i for i, f in w.firms.items() if f.status != FirmStatus.LEFT], "firm")

    def offer_id(self, data: st.DataObject, reserved: bool = False, takes: bool = False) -> int:
        """Mostly an open, unexpired offer (``reserved``: with reserved capacity; ``takes``: that can
        take a proposal - capacity left, supplier trading - when there is one)."""
        w = self.world
        good = [i for i, o in w.offers.items() if o.status == OfferStatus.OPEN and o.valid_until > w.now + 1]
        if reserved:
            good = [i for i in good if w.offers[i].reserved > 0] or good
        if takes:
            good = [i for i in good if w.offers[i].quantity > w.offers[i].reserved
                    and w.firms[w.offers[i].supplier_id].status in CAN_TRADE] or good
        return self._pick(data, len(w.offers), good, "offer")

    def agreement_id(self, data: st.DataObject, *states: AgreementState) -> int:
        w = self.world
        return self._pick(data, len(w.agreements), [i for i, a in w.agreements.items() if a.state in states],
                          "agreement")

    def role_holder(self, role: Role) -> int | None:
        holders = [i for i in range(len(self.actors)) if self.world.roles.get((role.value, i))]
        return holders[0] if holders else None

    def registered(self) -> list[int]:
        return [i for i, f in enumerate(self.world.firm_of) if f != 0]

    def bootstrap(self, data: st.DataObject) -> None:
        """Register a few trading firms with offers, so that examples reach the agreement layer quickly."""
        for i in range(data.draw(st.integers(2, 4), label="firms")):
            supplies = data.draw(st.one_of(st.just(127), st.integers(1, 127)), label="supplies")
            x, y = data.draw(coords, label="x"), data.draw(coords, label="y")
            self.tx("register_firm", i + 1, f"firm {i + 1}", i, x, y, _bits(supplies), _bits(127))
        for i in range(data.draw(st.integers(1, 4), label="offers")):
            sender = data.draw(st.sampled_from(self.registered()), label="supplier")
            form = data.draw(st.sampled_from(sorted(self.world.firms[self.world.firm_of[sender]].supplies)))
            quantity = data.draw(st.integers(1, 50), label="quantity")
            auto = data.draw(st.booleans(), label="auto")
            self.tx("post_offer", sender, form, quantity, 100, 5_000, self.world.now + 50_000, auto)
        for i in range(data.draw(st.integers(0, 3), label="proposals")):
            offer_id = data.draw(st.integers(1, len(self.world.offers)), label="offer")
            o = self.world.offers[offer_id]
            consumers = [i for i in self.registered() if self.world.firm_of[i] != o.supplier_id]
            sender = data.draw(st.sampled_from(consumers), label="consumer")
            quantity = data.draw(st.integers(1, max(o.quantity - o.reserved, 1)), label="quantity")
            self.tx("propose_agreement", sender, offer_id, quantity, data.draw(durations, label="duration"))

    # ----- physical layer -------------------------------------------------------------------
    @precondition(lambda self: 0 in self.world.firm_of)
    @rule(data=st.data(), name=names, sector=st.integers(0, 255), x=coords, y=coords, supplies=masks, needs=masks)
    def register_firm(self, data: st.DataObject, name: str, sector: int, x: int, y: int, supplies: int,
                      needs: int) -> None:
        unregistered = [i for i, f in enumerate(self.world.firm_of) if f == 0]
        sender = self.actor(data, *unregistered)
        self.tx("register_firm", sender, name, sector, x, y, _bits(supplies), _bits(needs))

    @precondition(lambda self: bool(self.world.firms))
    @rule(data=st.data(), any_status=statuses)
    def report_status(self, data: st.DataObject, any_status: int) -> None:
        firm_id = self.firm_id(data)
        f = self.world.firms.get(firm_id)
        allowed = sorted(to for (frm, to) in TRANSITIONS if f is not None and frm == f.status)
        status = data.draw(st.sampled_from(allowed), label="status") if allowed and data.draw(
            st.booleans(), label="allowed") else any_status
        sender = self.actor(data, self.world.owner_index(firm_id), self.role_holder(Role.OPERATOR))
        self.tx("report_status", sender, firm_id, status)

    @precondition(lambda self: bool(self.world.firms))
    @rule(data=st.data())
    def leave_registry(self, data: st.DataObject) -> None:
        # Leaving ends a firm's part in the example: mostly try firms that cannot leave yet
        # (FirmHasLiveAgreements) or accounts without a firm (FirmNotRegistered).
        busy = [i for i in self.registered() if self.world.firms[self.world.firm_of[i]].live_agreements > 0]
        free = [i for i in self.registered() if i not in busy]
        if free and data.draw(st.integers(0, 3), label="really") == 0:
            sender = data.draw(st.sampled_from(free), label="sender")
        else:
            sender = self.actor(data, *busy)
        self.tx("leave_registry", sender)

    # ----- offers ---------------------------------------------------------------------------
    @precondition(lambda self: bool(self.world.firms))
    @rule(data=st.data(), quantity=quantities, temperature=temperatures, price=prices, valid=validity,
          auto=st.booleans())
    def post_offer(self, data: st.DataObject, quantity: int, temperature: int, price: int, valid: int,
                   auto: bool) -> None:
        sender = self.actor(data, *self.registered())
        fid = self.world.firm_of[sender]
        supplied = sorted(self.world.firms[fid].supplies) if fid else []
        form = data.draw(st.one_of(st.sampled_from(supplied), st.sampled_from(supplied), forms) if supplied
                         else forms, label="form")
        self.tx("post_offer", sender, form, quantity, temperature, price, self.world.now + valid, auto)

    post_offer_too = post_offer  # (a second name doubles a rule's weight)

    @precondition(lambda self: bool(self.world.offers))
    @rule(data=st.data(), temperature=temperatures, price=prices, valid=validity)
    def update_offer(self, data: st.DataObject, temperature: int, price: int, valid: int) -> None:
        offer_id = self.offer_id(data, reserved=True)
        o = self.world.offers.get(offer_id)
        sender = self.actor(data, self.world.owner_index(o.supplier_id) if o else None)
        reserved = o.reserved if o else 0
        quantity = data.draw(st.one_of(
            st.sampled_from([reserved, reserved + 1, max(reserved - 1, 0), 0]), quantities), label="quantity")
        self.tx("update_offer", sender, offer_id, quantity, temperature, price, self.world.now + valid)

    @precondition(lambda self: bool(self.world.offers))
    @rule(data=st.data())
    def withdraw_offer(self, data: st.DataObject) -> None:
        offer_id = self.offer_id(data)
        o = self.world.offers.get(offer_id)
        sender = self.actor(data, self.world.owner_index(o.supplier_id) if o else None)
        self.tx("withdraw_offer", sender, offer_id)

    @rule(data=st.data(), form=forms, min_quantity=st.integers(0, 60), min_temperature=temperatures,
          max_distance=st.one_of(st.just(0), st.integers(0, 1_000), st.just(UINT64)), x=coords, y=coords,
          cursor=st.integers(0, 12), limit=st.one_of(st.integers(0, 4), st.just(500)))
    def search(self, data: st.DataObject, form: Any, min_quantity: int, min_temperature: int, max_distance: int,
               x: int, y: int, cursor: int, limit: int) -> None:
        """A view, not a transaction: compared between backends and against the spec's oracle."""
        q = OfferQuery(form, min_quantity, min_temperature, max_distance, x, y)  # type: ignore[arg-type]
        STATS[self.kind]["search"] += 1
        self.check_search(q, cursor, limit)

    @precondition(lambda self: bool(self.world.firms))
    @rule(data=st.data(), n=st.integers(0, 3))
    def post_offers(self, data: st.DataObject, n: int) -> None:
        """A batch (all or nothing), mostly of valid offers."""
        sender = self.actor(data, *self.registered())
        fid = self.world.firm_of[sender]
        supplied = sorted(self.world.firms[fid].supplies) if fid else []
        good_form = st.sampled_from(supplied) if supplied else forms
        items = [
            (data.draw(st.one_of(good_form, good_form, good_form, forms), label="form"),
             data.draw(st.one_of(st.integers(1, 50), st.integers(1, 50), quantities), label="quantity"),
             data.draw(temperatures, label="temperature"), data.draw(prices, label="price"),
             self.world.now + data.draw(st.one_of(_long, _long, validity), label="valid"),
             data.draw(st.booleans(), label="auto"))
            for _ in range(n)
        ]
        self.tx("post_offers", sender, items)

    @precondition(lambda self: bool(self.world.offers))
    @rule(data=st.data(), n=st.integers(0, 3))
    def propose_agreements(self, data: st.DataObject, n: int) -> None:
        """A batch (all or nothing); items may share an offer (auto-accept reserves in between)."""
        trading = [i for i in self.registered() if self.world.firms[self.world.firm_of[i]].status in CAN_TRADE]
        sender = self.actor(data, *trading)
        items = []
        for _ in range(n):
            offer_id = self.offer_id(data, takes=True)
            o = self.world.offers.get(offer_id)
            remaining = o.quantity - o.reserved if o else 1
            quantity = data.draw(st.one_of(st.integers(1, max(remaining // 2, 1)), st.sampled_from(
                [remaining, remaining + 1, 0])), label="quantity")
            items.append((offer_id, quantity, data.draw(durations, label="duration")))
        self.tx("propose_agreements", sender, items)

    # ----- agreements -----------------------------------------------------------------------
    @precondition(lambda self: bool(self.world.offers))
    @rule(data=st.data(), duration=durations)
    def propose_agreement(self, data: st.DataObject, duration: int) -> None:
        offer_id = self.offer_id(data, takes=True)
        o = self.world.offers.get(offer_id)
        consumers = [i for i in self.registered() if o is None or self.world.firm_of[i] != o.supplier_id]
        trading = [i for i in consumers if self.world.firms[self.world.firm_of[i]].status in CAN_TRADE]
        sender = self.actor(data, *(trading or consumers))
        remaining = o.quantity - o.reserved if o else 1
        quantity = data.draw(st.one_of(
            st.sampled_from([remaining, remaining + 1, 1, 0]), st.integers(1, max(remaining, 1)),
            st.integers(1, max(remaining, 1)), quantities), label="quantity")
        self.tx("propose_agreement", sender, offer_id, quantity, duration)

    propose_agreement_too = propose_agreement

    def _parties(self, agreement_id: int) -> tuple[int | None, int | None]:
        a = self.world.agreements.get(agreement_id)
        if a is None:
            return None, None
        return self.world.owner_index(a.supplier_id), self.world.owner_index(a.consumer_id)

    @precondition(lambda self: bool(self.world.agreements))
    @rule(data=st.data())
    def accept_agreement(self, data: st.DataObject) -> None:
        agreement_id = self.agreement_id(data, AgreementState.PROPOSED)
        supplier, _ = self._parties(agreement_id)
        self.tx("accept_agreement", self.actor(data, supplier), agreement_id)

    accept_agreement_too = accept_agreement

    @precondition(lambda self: bool(self.world.agreements))
    @rule(data=st.data())
    def reject_agreement(self, data: st.DataObject) -> None:
        agreement_id = self.agreement_id(data, AgreementState.PROPOSED)
        supplier, _ = self._parties(agreement_id)
        self.tx("reject_agreement", self.actor(data, supplier), agreement_id)

    @precondition(lambda self: bool(self.world.agreements))
    @rule(data=st.data())
    def terminate_agreement(self, data: st.DataObject) -> None:
        agreement_id = self.agreement_id(data, AgreementState.PROPOSED, *LIVE_STATES)
        supplier, consumer = self._parties(agreement_id)
        self.tx("terminate_agreement", self.actor(data, supplier, consumer), agreement_id)

    @precondition(lambda self: bool(self.world.agreements))
    @rule(data=st.data())
    def close_agreement(self, data: st.DataObject) -> None:
        expired = [i for i, a in self.world.agreements.items() if a.state == AgreementState.EXPIRED]
        agreement_id = (data.draw(st.sampled_from(expired), label="agreement")
                        if expired and data.draw(st.booleans(), label="expired") else
                        self.agreement_id(data, *LIVE_STATES))
        self.tx("close_agreement", self.actor(data), agreement_id)

    @precondition(lambda self: bool(self.world.agreements))
    @rule(data=st.data(), quantity=st.one_of(st.integers(1, 100), st.integers(0, 100), st.just(UINT64)))
    def record_delivery(self, data: st.DataObject, quantity: int) -> None:
        agreement_id = self.agreement_id(data, AgreementState.ACTIVE)
        _, consumer = self._parties(agreement_id)
        sender = self.actor(data, consumer, self.role_holder(Role.METER))
        self.tx("record_delivery", sender, agreement_id, quantity)

    record_delivery_too = record_delivery

    # ----- roles and time -------------------------------------------------------------------
    @rule(data=st.data(), role=st.sampled_from(list(Role)), grant=st.booleans())
    def change_role(self, data: st.DataObject, role: Role, grant: bool) -> None:
        sender = self.actor(data, 0)
        account = data.draw(st.integers(0, len(self.actors) - 1), label="account")
        self.tx("grant_role" if grant else "revoke_role", sender, role, _A(account))

    @rule(seconds=time_steps)
    def advance_time(self, seconds: int) -> None:
        pre = self.world
        self.execute("advance_time", (seconds,))
        self.world = self.refresh("advance_time")
        STATS[self.kind]["steps"] += 1
        STATS[self.kind]["advance_time:ok"] += 1
        post = self.world
        assert post.now == pre.now + seconds
        # Time changes effective states only: nothing stored moves.
        assert post.firms == pre.firms and post.offers == pre.offers and post.firm_of == pre.firm_of
        assert {k: _stored(a) for k, a in post.agreements.items()} == {k: _stored(a) for k, a in pre.agreements.items()}

    # ----- invariants -----------------------------------------------------------------------
    @invariant()
    def world_is_consistent(self) -> None:
        if hasattr(self, "world"):
            self.check_world(self.world)

    def check_world(self, w: World) -> None:
        live = {k: a for k, a in w.agreements.items() if a.state in LIVE_STATES}
        for oid, o in w.offers.items():
            assert 0 <= o.reserved <= o.quantity, f"offer {oid} over-allocated: {o}"
            booked = sum(a.quantity for a in live.values() if a.offer_id == oid)
            assert o.reserved == booked, f"offer {oid}: reserved {o.reserved} != live agreements' {booked}"
            assert 1 <= o.supplier_id <= len(w.firms), f"offer {oid} of unknown firm"
            assert o.status in (OfferStatus.OPEN, OfferStatus.WITHDRAWN)
            assert o.quantity > 0
        for fid, f in w.firms.items():
            n = sum(1 for a in live.values() if fid in (a.supplier_id, a.consumer_id))
            assert f.live_agreements == n, f"firm {fid}: liveAgreements {f.live_agreements} != {n}"
            assert f.status != FirmStatus.NONE
            if f.status == FirmStatus.LEFT:
                assert n == 0, f"firm {fid} LEFT with {n} live agreements"
                assert fid not in w.firm_of
            else:
                owners = [i for i, x in enumerate(w.firm_of) if x == fid]
                assert owners == [i for i, a in enumerate(self.actors) if a == f.owner], f"firm {fid} owner mismatch"
        for i, fid in enumerate(w.firm_of):
            if fid:
                assert w.firms[fid].owner == self.actors[i] and w.firms[fid].status != FirmStatus.LEFT
        assert len({f for f in w.firm_of if f}) == len([f for f in w.firm_of if f]), "two accounts own one firm"
        for aid, a in w.agreements.items():
            o = w.offers[a.offer_id]
            assert a.supplier_id == o.supplier_id and a.supplier_id != a.consumer_id
            assert a.quantity > 0 and a.duration_s > 0
            supplier = w.firms[a.supplier_id]
            if a.state == AgreementState.ACTIVE:
                assert supplier.status != FirmStatus.DISRUPTED, f"agreement {aid} ACTIVE with a DISRUPTED supplier"
            if a.state in LIVE_STATES:
                for fid in (a.supplier_id, a.consumer_id):
                    assert w.firms[fid].status != FirmStatus.LEFT, f"live agreement {aid} with firm {fid} that LEFT"
                expected = (
                    AgreementState.EXPIRED if w.now >= a.ends_at
                    else AgreementState.SUSPENDED if supplier.status == FirmStatus.DISRUPTED
                    else AgreementState.ACTIVE
                )
                assert a.state == expected, f"agreement {aid} reads {a.state!r}, rules say {expected!r}"
            if a.state == AgreementState.PROPOSED or a.started_at == 0:
                assert a.started_at == 0 and a.ends_at == 0 and a.delivered == 0
                assert a.state in (AgreementState.PROPOSED, AgreementState.REJECTED, AgreementState.TERMINATED)
            else:
                assert a.ends_at == a.started_at + a.duration_s
            assert a.state in AgreementState and a.state != AgreementState.NONE
        # The unknown ids revert with their error.
        if not w.probes:
            return
        assert _normal(w.probes["firm(0)"], {}) == _normal(errors.FirmUnknown(0), {})
        assert _normal(w.probes["offer(n+1)"], {}) == _normal(errors.OfferUnknown(len(w.offers) + 1), {})
        assert _normal(w.probes["agreement(n+1)"], {}) == _normal(errors.AgreementUnknown(len(w.agreements) + 1), {})

    def search_page(self, q: OfferQuery, cursor: int, limit: int) -> Outcome:
        return _run(lambda: self.subject.search_offers(q, cursor, limit))

    def check_search(self, q: OfferQuery, cursor: int, limit: int) -> None:
        """The page equals the spec's search computed from the views (``expected_search``)."""
        out = self.search_page(q, cursor, limit)
        if int(q.form) >= N_FORMS:
            assert not out.ok and out.error == errors.UnknownEnergyForm(int(q.form))
            return
        assert out.ok, out.error
        page = out.value
        ids, dists, nxt = expected_search(self.world, q, cursor, limit)
        assert [m.offer.offer_id for m in page.matches] == ids, f"search {q} {cursor} {limit}"
        assert [m.distance_m for m in page.matches] == dists
        assert [m.offer for m in page.matches] == [self.world.offers[i] for i in ids]
        assert page.next_cursor == nxt

    # ----- what a step may change -----------------------------------------------------------------
    def check_effects(self, method: str, s: int, args: tuple[Any, ...], out: Outcome, events: list[Event],
                      pre: World, post: World) -> None:
        if not out.ok:  # a failed call sends nothing
            assert events == [], f"{method} failed but left events {events}"
            assert post.now == pre.now, f"{method} failed but the clock moved"
            assert (post.firms, post.offers, post.agreements, post.firm_of, post.roles) == (
                pre.firms, pre.offers, pre.agreements, pre.firm_of, pre.roles), f"{method} failed but changed state"
            return
        now = post.now
        assert now == pre.now + self.tx_seconds, f"{method}: clock {pre.now} -> {now}"
        sender = self.addr(s)
        me = pre.firm_of[s]  # the sender's firm before the call (0 if none)
        cf = _changed(pre.firms, post.firms)
        co = _changed(pre.offers, post.offers)
        ca = _changed(pre.agreements, post.agreements, _stored)
        names_ = [e.name for e in events]
        if method not in ("register_firm", "leave_registry"):
            assert post.firm_of == pre.firm_of, f"{method} changed firm ownership"
        if method not in ("grant_role", "revoke_role"):
            assert post.roles == pre.roles

        if method == "register_firm":
            name, sector, x, y, supplies, needs = args
            assert me == 0, "an account registered a second firm"
            fid = out.value
            assert fid == len(pre.firms) + 1 and post.firm_of[s] == fid
            assert cf == {fid} and not co and not ca
            assert names_ == ["FirmRegistered"]
            ev = events[0].args
            f = post.firms[fid]
            assert ev == {"firmId": fid, "owner": sender, "name": name, "sector": sector, "x": x, "y": y,
                          "supplies": forms_to_mask(supplies), "needs": forms_to_mask(needs)}
            assert (f.owner, f.name, f.sector, f.x_m, f.y_m, f.status, f.live_agreements) == (
                sender, name, sector, x, y, FirmStatus.OPERATING, 0)
            assert forms_to_mask(f.supplies) == ev["supplies"] < 128 and forms_to_mask(f.needs) == ev["needs"] < 128
        elif method == "report_status":
            fid, status = args
            assert me == fid or pre.roles[(Role.OPERATOR.value, s)], f"{sender} changed firm {fid}'s status"
            before = pre.firms[fid].status
            assert (before, status) in TRANSITIONS, f"transition {before!r} -> {status} accepted"
            assert cf == {fid} and not co and not ca
            assert post.firms[fid] == replace(pre.firms[fid], status=FirmStatus(status))
            assert names_ == ["FirmStatusReported"]
            assert events[0].args == {"firmId": fid, "previous": before, "status": status, "reporter": sender}
        elif method == "leave_registry":
            assert me != 0 and pre.firms[me].live_agreements == 0
            assert cf == {me} and not co and not ca
            assert post.firms[me].status == FirmStatus.LEFT and post.firm_of[s] == 0
            assert events == [Event("FirmLeft", {"firmId": me, "owner": sender})]
        elif method == "post_offer":
            form, quantity, temperature, price, valid_until, auto = args
            assert me != 0 and pre.firms[me].status in CAN_TRADE
            assert int(form) in pre.firms[me].supplies and quantity > 0 and valid_until > now
            oid = out.value
            assert oid == len(pre.offers) + 1 and co == {oid} and not cf and not ca
            o = post.offers[oid]
            assert names_ == ["OfferPosted"]
            assert events[0].args == {"offerId": oid, "supplierId": o.supplier_id, "form": o.form,
                                      "quantity": o.quantity, "temperature": o.temperature_c, "price": o.price,
                                      "validUntil": o.valid_until, "autoAccept": o.auto_accept}
            assert (o.supplier_id, o.form, o.quantity, o.temperature_c, o.price, o.valid_until, o.auto_accept,
                    o.status, o.reserved) == (me, form, quantity, temperature, price, valid_until, auto,
                                              OfferStatus.OPEN, 0)
        elif method == "post_offers":
            (items,) = args
            ids = out.value
            assert ids == list(range(len(pre.offers) + 1, len(pre.offers) + 1 + len(items)))
            assert co == set(ids) and not cf and not ca
            if items:
                assert me != 0 and pre.firms[me].status in CAN_TRADE
            expected = []
            for oid, (form, quantity, temperature, price, valid_until, auto) in zip(ids, items):
                o = post.offers[oid]
                assert (o.supplier_id, o.form, o.quantity, o.temperature_c, o.price, o.valid_until, o.auto_accept,
                        o.status, o.reserved) == (me, form, quantity, temperature, price, valid_until, auto,
                                                  OfferStatus.OPEN, 0)
                assert int(form) in pre.firms[me].supplies and quantity > 0 and valid_until > now
                expected.append(Event("OfferPosted", {
                    "offerId": oid, "supplierId": me, "form": o.form, "quantity": o.quantity,
                    "temperature": o.temperature_c, "price": o.price, "validUntil": o.valid_until,
                    "autoAccept": o.auto_accept}))
            assert events == expected
        elif method == "propose_agreements":
            (items,) = args
            ids = out.value
            assert ids == list(range(len(pre.agreements) + 1, len(pre.agreements) + 1 + len(items)))
            assert ca == set(ids)
            if items:
                assert me != 0 and pre.firms[me].status in CAN_TRADE
            reserved = {oid: o.reserved for oid, o in pre.offers.items()}
            live = {fid: f.live_agreements for fid, f in pre.firms.items()}
            expected = []
            for aid, (oid, quantity, duration) in zip(ids, items):
                o0 = pre.offers[oid]
                a = post.agreements[aid]
                assert o0.status == OfferStatus.OPEN and o0.valid_until > now and o0.supplier_id != me
                assert pre.firms[o0.supplier_id].status in CAN_TRADE
                assert 0 < quantity <= o0.quantity - reserved[oid] and duration > 0
                assert (a.offer_id, a.supplier_id, a.consumer_id, a.quantity, a.price, a.duration_s, a.delivered) == (
                    oid, o0.supplier_id, me, quantity, o0.price, duration, 0)
                expected.append(Event("AgreementProposed", {"agreementId": aid, "offerId": oid, "consumerId": me,
                                                            "quantity": quantity, "duration": duration}))
                if o0.auto_accept:
                    reserved[oid] += quantity
                    live[me] += 1
                    live[o0.supplier_id] += 1
                    assert a.state == AgreementState.ACTIVE and a.started_at == now and a.ends_at == now + duration
                    expected.append(Event("AgreementAccepted", {"agreementId": aid, "offerId": oid,
                                                                "reserved": reserved[oid],
                                                                "endsAt": min(a.ends_at, UINT40)}))
                else:
                    assert a.state == AgreementState.PROPOSED
            assert events == expected
            assert {oid: o.reserved for oid, o in post.offers.items()} == reserved
            assert {oid: replace(o, reserved=0) for oid, o in post.offers.items()} == {
                oid: replace(o, reserved=0) for oid, o in pre.offers.items()}
            assert {fid: f.live_agreements for fid, f in post.firms.items()} == live
            assert {fid: replace(f, live_agreements=0) for fid, f in post.firms.items()} == {
                fid: replace(f, live_agreements=0) for fid, f in pre.firms.items()}
        elif method in ("update_offer", "withdraw_offer"):
            oid = args[0]
            o0 = pre.offers[oid]
            assert me == o0.supplier_id, f"{sender} changed offer {oid} of firm {o0.supplier_id}"
            assert o0.status == OfferStatus.OPEN
            assert co == {oid} and not cf and not ca
            o = post.offers[oid]
            if method == "withdraw_offer":
                assert o == replace(o0, status=OfferStatus.WITHDRAWN)
                assert events == [Event("OfferWithdrawn", {"offerId": oid})]
            else:
                _, quantity, temperature, price, valid_until = args
                assert pre.firms[me].status != FirmStatus.DISRUPTED
                assert quantity >= o0.reserved and quantity > 0 and valid_until > now
                assert o == replace(o0, quantity=quantity, temperature_c=temperature, price=price,
                                    valid_until=valid_until)
                assert names_ == ["OfferUpdated"]
                assert events[0].args == {"offerId": oid, "quantity": o.quantity, "temperature": o.temperature_c,
                                          "price": o.price, "validUntil": o.valid_until}
        elif method == "propose_agreement":
            oid, quantity, duration = args
            o0 = pre.offers[oid]
            aid = out.value
            assert me != 0 and me != o0.supplier_id and pre.firms[me].status in CAN_TRADE
            assert pre.firms[o0.supplier_id].status in CAN_TRADE and o0.status == OfferStatus.OPEN
            assert o0.valid_until > now and 0 < quantity <= o0.quantity - o0.reserved and duration > 0
            assert aid == len(pre.agreements) + 1
            a = post.agreements[aid]
            assert (a.offer_id, a.supplier_id, a.consumer_id, a.quantity, a.price, a.duration_s, a.delivered) == (
                oid, o0.supplier_id, me, quantity, o0.price, duration, 0)
            proposed = Event("AgreementProposed", {"agreementId": aid, "offerId": oid, "consumerId": me,
                                                   "quantity": quantity, "duration": duration})
            if o0.auto_accept:
                assert names_ == ["AgreementProposed", "AgreementAccepted"] and events[0] == proposed
                self._check_accepted(aid, events[1], pre, post, ca, co, cf)
            else:
                assert events == [proposed] and a.state == AgreementState.PROPOSED
                assert ca == {aid} and not co and not cf
        elif method == "accept_agreement":
            (aid,) = args
            a0 = pre.agreements[aid]
            assert me == a0.supplier_id, f"{sender} accepted agreement {aid} of firm {a0.supplier_id}"
            assert a0.state == AgreementState.PROPOSED
            assert pre.firms[a0.consumer_id].status != FirmStatus.LEFT
            o0 = pre.offers[a0.offer_id]
            assert o0.status == OfferStatus.OPEN and o0.valid_until > now
            assert names_ == ["AgreementAccepted"]
            self._check_accepted(aid, events[0], pre, post, ca, co, cf)
        elif method == "reject_agreement":
            (aid,) = args
            a0 = pre.agreements[aid]
            assert me == a0.supplier_id and a0.state == AgreementState.PROPOSED
            assert ca == {aid} and not co and not cf
            assert post.agreements[aid] == replace(a0, state=AgreementState.REJECTED)
            assert events == [Event("AgreementRejected", {"agreementId": aid})]
        elif method in ("terminate_agreement", "close_agreement"):
            (aid,) = args
            a0 = pre.agreements[aid]
            was_live = a0.state in LIVE_STATES
            if method == "terminate_agreement":
                assert me != 0 and me in (a0.supplier_id, a0.consumer_id), f"{sender} terminated agreement {aid}"
                assert a0.state == AgreementState.PROPOSED or was_live
                final = AgreementState.TERMINATED
                assert events == [Event("AgreementTerminated", {"agreementId": aid, "by": sender})]
            else:
                assert was_live and now >= a0.ends_at, f"agreement {aid} closed before it ended"
                final = AgreementState.CLOSED
                assert events == [Event("AgreementClosed", {"agreementId": aid})]
            assert post.agreements[aid] == replace(a0, state=final)
            assert ca == {aid}
            if was_live:
                o0 = pre.offers[a0.offer_id]
                assert co == {a0.offer_id} and post.offers[a0.offer_id] == replace(o0, reserved=o0.reserved - a0.quantity)
                assert cf == {a0.supplier_id, a0.consumer_id}
                for fid in cf:
                    assert post.firms[fid] == replace(pre.firms[fid], live_agreements=pre.firms[fid].live_agreements - 1)
            else:
                assert not co and not cf
        elif method == "record_delivery":
            aid, quantity = args
            a0 = pre.agreements[aid]
            assert pre.roles[(Role.METER.value, s)] or (me != 0 and me == a0.consumer_id), (
                f"{sender} recorded a delivery on agreement {aid}")
            assert quantity > 0 and a0.state in LIVE_STATES and now < a0.ends_at
            assert pre.firms[a0.supplier_id].status != FirmStatus.DISRUPTED
            a = post.agreements[aid]
            assert a == replace(a0, delivered=a0.delivered + quantity, state=a.state)
            assert a.state == AgreementState.ACTIVE
            assert ca == {aid} or a0.state != AgreementState.ACTIVE
            assert not co and not cf
            assert events == [Event("DeliveryRecorded", {"agreementId": aid, "quantity": quantity,
                                                         "delivered": a.delivered,
                                                         "amountDue": quantity * a.price // 1000})]
        elif method in ("grant_role", "revoke_role"):
            role, account = args
            assert s == 0, f"{sender} (not the admin) changed a role"
            assert not cf and not co and not ca
            key = (role.value, account.i)
            granted = method == "grant_role"
            assert post.roles[key] is granted
            changed = {k for k in post.roles if post.roles[k] != pre.roles[k]}
            assert changed <= {key}
            name = "RoleGranted" if granted else "RoleRevoked"
            if changed:
                assert [(e.name, e.args["account"], e.args["sender"]) for e in events] == [
                    (name, self.addr(account.i), sender)]
            else:
                assert events == []
        else:  # pragma: no cover
            raise AssertionError(f"no effect check for {method}")

    def _check_accepted(self, aid: int, ev: Event, pre: World, post: World, ca: set[int], co: set[int],
                        cf: set[int]) -> None:
        a = post.agreements[aid]
        oid = a.offer_id
        o0 = pre.offers[oid]
        o = post.offers[oid]
        assert a.state == AgreementState.ACTIVE and a.started_at == post.now
        assert a.ends_at == post.now + a.duration_s
        assert o == replace(o0, reserved=o0.reserved + a.quantity) and o.reserved <= o.quantity
        assert ev == Event("AgreementAccepted", {"agreementId": aid, "offerId": oid, "reserved": o.reserved,
                                                 "endsAt": min(a.ends_at, UINT40)})
        assert ca == {aid} and co == {oid} and cf == {a.supplier_id, a.consumer_id}
        for fid in cf:
            assert post.firms[fid] == replace(pre.firms[fid], live_agreements=pre.firms[fid].live_agreements + 1)


@dataclass(frozen=True)
class _A:
    """An actor index in a call's arguments, resolved to each platform's address."""

    i: int


def _resolve(args: tuple[Any, ...], actors: list[str]) -> tuple[Any, ...]:
    return tuple(actors[a.i] if isinstance(a, _A) else a for a in args)


# ----- the contracts against the model ---------------------------------------------------------------
class ChainVsModel(_Machine):
    kind = "chain"
    tx_seconds = 1
    base: Any = None  # conftest.ChainBase, set by the test

    @initialize(data=st.data())
    def start(self, data: st.DataObject) -> None:
        base = self.base
        self.chain = base.platform
        self.chain.revert(base.snapshot)
        self.subject = self.chain
        self.actors = list(base.actors)
        self.mem = MemoryPlatform(start_time=self.chain.now())
        self.mem_actors = [self.mem.admin] + [self.mem.new_account() for _ in range(len(self.actors) - 1)]
        self.to_mem = dict(zip(self.actors, self.mem_actors))
        STATS[self.kind]["examples"] += 1
        self.step_no = 0
        self.world = self.refresh("start")
        self.bootstrap(data)

    def execute(self, method: str, args: tuple[Any, ...]) -> Outcome:
        if method == "advance_time":
            self.chain.advance_time(args[0])
            self.mem.advance_time(args[0])
            return Outcome()
        tx_before = self.chain.stats.transactions
        chain_out = _run(lambda: getattr(self.chain, method)(*_resolve(args, self.actors)))
        self.mem.advance_time(1)  # the chain runs the transaction at latest + 1 ...
        mem_out = _run(lambda: getattr(self.mem, method)(*_resolve(args, self.mem_actors)))
        if not mem_out.ok:
            self.mem._s.now -= 1  # ... and mines nothing if it reverts (memory changed nothing either)
        where = f"{method}{args}"
        assert _normal(chain_out, self.to_mem) == _normal(mem_out, {}), (
            f"{where}: chain {chain_out.error or chain_out.value!r} vs model {mem_out.error or mem_out.value!r}")
        assert _normal(self.chain.last_events, self.to_mem) == _normal(self.mem.last_events, {}), (
            f"{where}: events chain {self.chain.last_events} vs model {self.mem.last_events}")
        assert self.chain.stats.transactions == tx_before + (1 if chain_out.ok else 0)
        return chain_out

    def refresh(self, method: str) -> World:
        # Every FULL_EVERY steps also firm_id_of of every account and the unknown-id probes.
        full = self.step_no % FULL_EVERY == 0
        roles, firm_of = self._reuse(method, full)
        chain_world = read_world(self.chain, self.actors, roles, full, firm_of)
        mem_world = read_world(self.mem, self.mem_actors, roles, full,
                               None if firm_of is None else self.mem_world.firm_of)
        self.mem_world = mem_world
        assert _normal(chain_world, self.to_mem) == _normal(mem_world, {}), "views differ between chain and model"
        # One search page per step (form rotating), compared and checked against the oracle.
        self.step_no += 1
        q = OfferQuery(EnergyForm(self.step_no % N_FORMS), min_quantity=1)
        self.world = chain_world
        self.check_search(q, 0, 3)
        return chain_world

    def search_page(self, q: OfferQuery, cursor: int, limit: int) -> Outcome:
        a = _run(lambda: self.chain.search_offers(q, cursor, limit))
        b = _run(lambda: self.mem.search_offers(q, cursor, limit))
        assert _normal(a, self.to_mem) == _normal(b, {}), f"search {q} cursor={cursor} limit={limit} differs"
        return a


# ----- the model alone ------------------------------------------------------------------------------------
class ModelAlone(_Machine):
    kind = "memory"
    tx_seconds = 0  # the model's clock moves only with advance_time
    platform_class: type[MemoryPlatform] = MemoryPlatform

    @initialize(data=st.data())
    def start(self, data: st.DataObject) -> None:
        self.mem = self.platform_class()
        self.subject = self.mem
        self.actors = [self.mem.admin] + [self.mem.new_account() for _ in range(5)]
        STATS[self.kind]["examples"] += 1
        self.world = self.refresh("start")
        self.bootstrap(data)

    def execute(self, method: str, args: tuple[Any, ...]) -> Outcome:
        if method == "advance_time":
            self.mem.advance_time(args[0])
            return Outcome()
        before = self.mem.stats.transactions
        out = _run(lambda: getattr(self.mem, method)(*_resolve(args, self.actors)))
        assert self.mem.stats.transactions == before + (1 if out.ok else 0)
        return out

    def refresh(self, method: str) -> World:
        roles, _ = self._reuse(method, True)
        return read_world(self.mem, self.actors, roles)


# ----- the tests ------------------------------------------------------------------------------------------
def _report(request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str], kind: str, seconds: float) -> None:
    c = STATS[kind]
    failed = sum(v for k, v in c.items() if ":" in k and not k.endswith(":ok"))
    errors_seen = sorted({k.split(":")[1] for k in c if ":" in k and not k.endswith(":ok")})
    summary = {
        "profile": PROFILE,
        "examples": c["examples"],
        "steps": c["steps"],
        "failed_calls": failed,
        "seconds": round(seconds, 1),
        "error_kinds": errors_seen,
        "by_call": {k: v for k, v in sorted(c.items()) if ":" in k},
    }
    cache = getattr(request.config, "cache", None)  # None under -p no:cacheprovider
    if cache is not None:
        cache.set(f"bois/state_machine/{kind}", summary)
    with capsys.disabled():
        print(
            f"\n[state machine: {kind}] profile={PROFILE} examples={c['examples']} steps={c['steps']} "
            f"(calls that reverted: {failed}; {len(errors_seen)} distinct errors) in {seconds:.1f} s"
        )


# Calls that a useful run must have reached at least once (guards against a degenerate machine).
MUST_REACH = [
    "register_firm:ok", "post_offer:ok", "propose_agreement:ok", "accept_agreement:ok", "record_delivery:ok",
    "terminate_agreement:ok", "close_agreement:ok", "report_status:ok", "leave_registry:ok", "update_offer:ok",
    "propose_agreement:OfferOverAllocated", "report_status:FirmNotOwner", "record_delivery:AgreementNotMeter",
    "post_offer:UnknownEnergyForm",
]


def test_contracts_match_model(chain_base: Any, request: pytest.FixtureRequest,
                               capsys: pytest.CaptureFixture[str]) -> None:
    STATS["chain"].clear()
    ChainVsModel.base = chain_base
    if _SEED is not None:
        seed(int(_SEED))(ChainVsModel)
    examples, steps = SIZES["chain"]
    t0 = time.perf_counter()
    try:
        run_state_machine_as_test(ChainVsModel, settings=_settings(examples, steps))
    finally:
        chain_base.platform.revert(chain_base.snapshot)
        _report(request, capsys, "chain", time.perf_counter() - t0)
    missing = [k for k in MUST_REACH if STATS["chain"][k] == 0]
    assert PROFILE == "smoke" or not missing, f"the run never reached {missing}"


def test_model_invariants(request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]) -> None:
    STATS["memory"].clear()
    examples, steps = SIZES["memory"]
    if _SEED is not None:
        seed(int(_SEED))(ModelAlone)
    t0 = time.perf_counter()
    try:
        run_state_machine_as_test(ModelAlone, settings=_settings(examples, steps))
    finally:
        _report(request, capsys, "memory", time.perf_counter() - t0)
    missing = [k for k in MUST_REACH if STATS["memory"][k] == 0]
    assert PROFILE == "smoke" or not missing, f"the run never reached {missing}"


# ----- the checks themselves catch deviations ------------------------------------------------------------
class _AnyoneMeters(MemoryPlatform):
    """Mutant: anybody may record deliveries (an authorisation hole)."""

    def record_delivery(self, sender: str, agreement_id: int, quantity: int) -> None:
        from bois.memory import ROLE_IDS

        meters = self._s.roles.setdefault(ROLE_IDS[Role.METER], set())
        added = sender not in meters
        meters.add(sender)
        try:
            super().record_delivery(sender, agreement_id, quantity)
        finally:
            if added:
                meters.discard(sender)


class _TerminateKeepsReservation(MemoryPlatform):
    """Mutant: terminating a live agreement does not release its reserved quantity."""

    def _release(self, a: Any) -> None:
        s = self._s
        s.firms[a.supplier_id - 1].live -= 1
        s.firms[a.consumer_id - 1].live -= 1


class _SuspendedReadsActive(MemoryPlatform):
    """Mutant: agreements of a DISRUPTED supplier keep reading ACTIVE."""

    def _effective(self, a: Any) -> AgreementState:
        state = super()._effective(a)
        return AgreementState.ACTIVE if state == AgreementState.SUSPENDED else state


@pytest.mark.parametrize("mutant", [_AnyoneMeters, _TerminateKeepsReservation, _SuspendedReadsActive])
def test_checks_catch_a_deviating_model(mutant: type[MemoryPlatform]) -> None:
    """The model-alone machine, run on a broken model, fails (so its checks are live)."""
    from hypothesis import Phase

    machine = type(f"On{mutant.__name__}", (ModelAlone,), {"platform_class": mutant})
    quiet = settings(_settings(300, 80), phases=[Phase.generate], print_blob=False)
    with pytest.raises(AssertionError):
        run_state_machine_as_test(machine, settings=quiet)
