"""Differential test: the in-memory reference model against the contracts, call by call.

One seeded random sequence of actions - many chosen to fail - is applied to a
:class:`bois.memory.MemoryPlatform` and to the chain platform side by side. After every
step the two must agree on the return value or the raised error (class and values), on
the emitted events, and on the views: counts, every firm and agreement and the offers
the step touched after every step, one random search per step, and every offer, role
and ``firm_id_of`` of every account every ten steps (and after role/registry steps).

Accounts differ between backends, so memory's addresses are translated to the chain's.
Clocks: funding a new chain account mines a block, so the memory clock is moved along
then; otherwise the chain runs a transaction at ``latest + 1`` and mines it there only if it
succeeds; the memory platform is moved the same way (a failed call is undone with a
snapshot, so its clock goes back too), so the two clocks are equal after every step.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, fields, is_dataclass
from typing import Any, Callable, Iterable

import pytest

from bois import errors
from bois.memory import MemoryPlatform
from bois.platform import Platform, Role
from bois.types import EnergyForm, FirmStatus, OfferQuery

STEPS = 130
FULL_EVERY = 10
N_FIRMS = 6


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None


def _translate(value: Any, mapping: dict[str, str]) -> Any:
    """``value`` with every memory address replaced by the matching chain address."""
    if isinstance(value, str):
        return mapping.get(value, value)
    if isinstance(value, errors.ContractError):
        return type(value)(*(_translate(v, mapping) for v in value.values))
    if isinstance(value, dict):
        return {k: _translate(v, mapping) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_translate(v, mapping) for v in value)
    if is_dataclass(value) and not isinstance(value, type):
        return type(value)(**{f.name: _translate(getattr(value, f.name), mapping) for f in fields(value)})
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return value


def _normal(value: Any) -> Any:
    """Plain comparable values (HexBytes -> bytes, enums stay ints)."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_normal(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, {f.name: _normal(getattr(value, f.name)) for f in fields(value)})
    return value


def _run(fn: Callable[[], Any]) -> Outcome:
    try:
        return Outcome(value=fn())
    except (errors.ContractError, errors.InvalidInput) as e:
        return Outcome(error=e)


class Pair:
    """The two platforms and the account mapping between them."""

    def __init__(self, chain: Platform) -> None:
        self.chain = chain
        self.mem = MemoryPlatform(start_time=chain.now())
        self.to_chain: dict[str, str] = {self.mem.admin: chain.admin}
        self.accounts: list[str] = [self.mem.admin]  # memory addresses

    def new_account(self) -> str:
        m, c = self.mem.new_account(), self.chain.new_account()
        self.to_chain[m] = c
        self.accounts.append(m)
        self.mem.advance_time(self.chain.now() - self.mem.now())  # funding the account mined a block
        return m

    def tx(self, method: str, *args: Any) -> tuple[Outcome, Outcome]:
        """Send the same transaction to both (memory's args, translated for the chain)."""
        chain_out = _run(lambda: getattr(self.chain, method)(*_translate(args, self.to_chain)))
        snap = self.mem.snapshot()
        self.mem.advance_time(1)  # the chain executes on the pending block, at latest + 1
        mem_out = _run(lambda: getattr(self.mem, method)(*args))
        if mem_out.error is not None:
            self.mem.revert(snap)  # nothing was mined: the clock stays
        return mem_out, chain_out

    def view(self, method: str, *args: Any) -> tuple[Outcome, Outcome]:
        return _run(lambda: getattr(self.mem, method)(*args)), _run(
            lambda: getattr(self.chain, method)(*_translate(args, self.to_chain))
        )


def _same(step: str, mem: Outcome, chain: Outcome, mapping: dict[str, str]) -> None:
    if mem.error is not None or chain.error is not None:
        assert mem.error is not None and chain.error is not None, f"{step}: memory {mem.error!r} vs chain {chain.error!r}"
        assert type(mem.error) is type(chain.error), f"{step}: memory {mem.error} vs chain {chain.error}"
        if isinstance(mem.error, errors.ContractError) and isinstance(chain.error, errors.ContractError):
            assert _normal(_translate(mem.error, mapping).values) == _normal(chain.error.values), (
                f"{step}: memory {mem.error} vs chain {chain.error}"
            )
        return
    assert _normal(_translate(mem.value, mapping)) == _normal(chain.value), f"{step}: memory {mem.value!r} vs chain {chain.value!r}"


def _compare_views(pair: Pair, step: str, full: bool = True, offers: Iterable[int] = ()) -> None:
    """Counts, every firm and agreement; every offer and account view when ``full``, else ``offers``."""
    mem, chain, m = pair.mem, pair.chain, pair.to_chain
    assert mem.now() == chain.now(), f"{step}: clocks differ"
    counts = (mem.firm_count(), mem.offer_count(), mem.agreement_count())
    assert counts == (chain.firm_count(), chain.offer_count(), chain.agreement_count()), step
    for firm_id in range(0, counts[0] + 2):
        _same(f"{step} firm({firm_id})", *pair.view("firm", firm_id), m)
    for agreement_id in range(0, counts[2] + 2):
        _same(f"{step} agreement({agreement_id})", *pair.view("agreement", agreement_id), m)
    for offer_id in sorted(range(0, counts[1] + 2) if full else set(offers)):
        _same(f"{step} offer({offer_id})", *pair.view("offer", offer_id), m)
    if full:
        for account in pair.accounts:
            _same(f"{step} firm_id_of", *pair.view("firm_id_of", account), m)
            for role in Role:
                _same(f"{step} has_role", *pair.view("has_role", role, account), m)


def _compare_searches(pair: Pair, rng: random.Random, step: str) -> None:
    for _ in range(1):
        q = OfferQuery(
            rng.choice([EnergyForm.STEAM, EnergyForm.ELECTRICITY, EnergyForm.DISTRICT_HEAT]),
            min_quantity=rng.choice([0, 1, 100, 500]),
            min_temperature_c=rng.choice([-32768, 0, 90, 150]),
            max_distance_m=rng.choice([0, 0, 150, 400]),
            x_m=rng.choice([0, 250, -100]),
            y_m=rng.choice([0, 100]),
        )
        cursor, limit = rng.choice([0, 0, 1, 3, 7, 50]), rng.choice([0, 1, 2, 5, 50, 500])
        _same(f"{step} search {q} {cursor} {limit}", *pair.view("search_offers", q, cursor, limit), pair.to_chain)


@pytest.fixture
def pair(chain_session: Any) -> Any:
    snap = chain_session.snapshot()
    try:
        yield Pair(chain_session)
    finally:
        chain_session.revert(snap)


def _action(pair: Pair, rng: random.Random) -> tuple[str, tuple[Any, ...]]:
    """A random action (memory's arguments): mostly plausible ones, a good share meant to fail."""
    mem = pair.mem
    accounts = pair.accounts[1:]
    firms = mem.firm_count()
    offers = mem.offer_count()
    agreements = mem.agreement_count()
    anyone = rng.choice(pair.accounts)
    members = [a for a in accounts if mem.firm_id_of(a)] or accounts
    free = [a for a in accounts if not mem.firm_id_of(a)]
    sane = rng.random() < 0.85  # most actions are plausible

    def firm_id() -> int:
        return rng.randint(0, firms + 1)

    def offer_id() -> int:
        if sane and offers:
            open_ids = [i for i in range(1, offers + 1) if mem.offer(i).status == 1]
            if open_ids:
                return rng.choice(open_ids)
        return rng.randint(0, offers + 1)

    def agreement_id(state: int | None = None) -> int:
        if sane and agreements:
            wanted = [i for i in range(1, agreements + 1) if state is None or mem.agreement(i).state == state]
            if wanted:
                return rng.choice(wanted)
        return rng.randint(0, agreements + 1)

    def owner_of_firm(fid: int) -> str:
        if 1 <= fid <= firms and (sane or rng.random() < 0.5):
            return mem.firm(fid).owner
        return anyone

    def until() -> int:
        return mem.now() + (rng.choice([5_000, 50_000, 50_000]) if sane else rng.choice([-10, 0, 1, 600]))

    roll = rng.random()
    if roll < 0.05:
        return "register_firm", (
            rng.choice(free) if free and sane else rng.choice(accounts), rng.choice(["A", "Bo", "x" * 64] if sane else ["", "y" * 65]),
            rng.randint(0, 30), rng.choice([0, 100, -100, 250]), rng.choice([0, 100, 300]),
            rng.choice([{0, 1, 2}, {1}, {2}] if sane else [{1, 7}, set()]), rng.choice([{0, 1, 2}, {7}, set()]),
        )
    if roll < 0.11:
        fid = firm_id()
        if sane and 1 <= fid <= firms and mem.firm(fid).status != FirmStatus.LEFT:
            allowed = {
                FirmStatus.OPERATING: [FirmStatus.DISRUPTED],
                FirmStatus.DISRUPTED: [FirmStatus.RECOVERED],
                FirmStatus.RECOVERED: [FirmStatus.DISRUPTED, FirmStatus.OPERATING],
            }[mem.firm(fid).status]
            return "report_status", (owner_of_firm(fid), fid, rng.choice(allowed))
        sender = owner_of_firm(fid) if rng.random() < 0.8 else rng.choice(pair.accounts)
        return "report_status", (sender, fid, rng.choice([1, 2, 3, 4, 5]))
    if roll < 0.125:
        return "leave_registry", (rng.choice(accounts),)
    if roll < 0.24:
        sender = rng.choice(members)
        fid = mem.firm_id_of(sender)
        supplied = sorted(mem.firm(fid).supplies) if fid else []
        form = rng.choice(supplied) if supplied and sane else rng.choice([0, 1, 2, 7])
        return "post_offer", (
            sender, form, rng.choice([100, 500, 1_000] if sane else [0, 10]), rng.choice([0, 90, 150, 200]),
            rng.choice([1_000, 4_001, 9_999]), until(), rng.random() < 0.3,
        )
    if roll < 0.27:
        items = [(rng.choice([1, 1, 2, 7]), rng.choice([0, 200, 800, 800]), 120, 3_000, until(), rng.random() < 0.5) for _ in range(rng.randint(0, 3))]
        return "post_offers", (rng.choice(members), items)
    if roll < 0.32:
        oid = offer_id()
        sender = owner_of_firm(mem.offer(oid).supplier_id) if 1 <= oid <= offers else anyone
        return "update_offer", (sender, oid, rng.choice([0, 50, 300, 1_000, 2_000]), 100, rng.choice([2_000, 5_000]), until())
    if roll < 0.35:
        oid = offer_id()
        sender = owner_of_firm(mem.offer(oid).supplier_id) if 1 <= oid <= offers else anyone
        return "withdraw_offer", (sender, oid)
    if roll < 0.53:
        return "propose_agreement", (
            rng.choice(members), offer_id(), rng.choice([1, 100, 300, 600] if sane else [0, 2_000]),
            rng.choice([60, 3_600, 40_000] if sane else [0, 60]),
        )
    if roll < 0.56:
        proposals = [(offer_id(), rng.choice([0, 100, 400, 400]), rng.choice([0, 3_600, 3_600])) for _ in range(rng.randint(0, 3))]
        return "propose_agreements", (rng.choice(members), proposals)
    if roll < 0.68:
        aid = agreement_id(1)
        sender = owner_of_firm(mem.agreement(aid).supplier_id) if 1 <= aid <= agreements else anyone
        return "accept_agreement", (sender, aid)
    if roll < 0.71:
        aid = agreement_id(1)
        sender = owner_of_firm(mem.agreement(aid).supplier_id) if 1 <= aid <= agreements else anyone
        return "reject_agreement", (sender, aid)
    if roll < 0.77:
        aid = agreement_id()
        if 1 <= aid <= agreements:
            a = mem.agreement(aid)
            sender = owner_of_firm(rng.choice([a.supplier_id, a.consumer_id]))
        else:
            sender = anyone
        return "terminate_agreement", (sender, aid)
    if roll < 0.81:
        return "close_agreement", (anyone, agreement_id(rng.choice([2, 6])))
    if roll < 0.88:
        aid = agreement_id(2)
        sender = owner_of_firm(mem.agreement(aid).consumer_id) if 1 <= aid <= agreements else anyone
        return "record_delivery", (sender, aid, rng.choice([1, 333, 10_000] if sane else [0, 5]))
    if roll < 0.91:
        return "grant_role" if rng.random() < 0.6 else "revoke_role", (
            pair.accounts[0] if rng.random() < 0.7 else anyone, rng.choice(list(Role)), rng.choice(pair.accounts),
        )
    if roll < 0.93:
        # values that cannot be encoded: both must refuse them before sending
        return rng.choice([
            ("post_offer", (rng.choice(accounts), 1, -1, 0, 0, until(), False)),
            ("propose_agreement", (rng.choice(accounts), 1, 5, 2**40)),
            ("record_delivery", (rng.choice(accounts), 1, 2**64)),
        ])
    return "advance_time", (rng.choice([1, 59, 600, 3_600, 20_000]),)


def _differential_run(pair: Pair, seed: int, steps: int = STEPS) -> dict[str, int]:
    """Apply the seeded sequence to both platforms, comparing after every step; returns outcome counts."""
    rng = random.Random(seed)  # the actions
    search_rng = random.Random(seed + 1)  # the searches (kept apart so actions do not depend on them)
    for _ in range(N_FIRMS + 2):
        pair.new_account()
    # most accounts start with a firm; the last two stay free to register during the run
    for i, account in enumerate(pair.accounts[1 : N_FIRMS + 1]):
        supplies = {EnergyForm.STEAM, EnergyForm.DISTRICT_HEAT} if i % 2 == 0 else {EnergyForm.ELECTRICITY, EnergyForm.STEAM}
        mem_out, chain_out = pair.tx("register_firm", account, f"firm {i}", i, 100 * (i % 3), 50 * i, supplies, {EnergyForm.STEAM})
        _same(f"setup {i}", mem_out, chain_out, pair.to_chain)
    _compare_views(pair, "setup")
    seen: dict[str, int] = {}
    for step in range(steps):
        method, args = _action(pair, rng)
        offers_before = pair.mem.offer_count()
        label = f"step {step} {method}{args!r}"
        if method == "advance_time":
            pair.mem.advance_time(args[0])
            pair.chain.advance_time(args[0])
            outcome = "ok"
        else:
            mem_out, chain_out = pair.tx(method, *args)
            _same(label, mem_out, chain_out, pair.to_chain)
            if mem_out.error is None:
                assert _normal(_translate(pair.mem.last_events, pair.to_chain)) == _normal(pair.chain.last_events), label
            outcome = "ok" if mem_out.error is None else type(mem_out.error).__name__
        seen[f"{method} {outcome}"] = seen.get(f"{method} {outcome}", 0) + 1
        # offers change only through actions naming them (or their agreements): compare
        # those every step and all of them every FULL_EVERY steps
        touched = set(range(offers_before + 1, pair.mem.offer_count() + 1))
        if method in ("update_offer", "withdraw_offer", "propose_agreement"):
            touched.add(args[1])
        elif method == "propose_agreements":
            touched.update(item[0] for item in args[1])
        elif method in ("accept_agreement", "terminate_agreement", "close_agreement") and 1 <= args[1] <= pair.mem.agreement_count():
            touched.add(pair.mem.agreement(args[1]).offer_id)
        full = step % FULL_EVERY == 0 or method in ("grant_role", "revoke_role", "register_firm", "leave_registry")
        _compare_views(pair, label, full, touched)
        _compare_searches(pair, search_rng, label)
    _compare_views(pair, "end")
    return seen


@pytest.mark.parametrize("seed", [8, 12])
def test_memory_and_chain_agree(pair: Pair, seed: int) -> None:
    seen = _differential_run(pair, seed)
    # the sequence went through successes of the main actions, and many failures
    for method in ("propose_agreement", "accept_agreement", "post_offer", "terminate_agreement"):
        assert seen.get(f"{method} ok", 0) > 0, (method, sorted(seen.items()))
    failures = sum(n for k, n in seen.items() if not k.endswith(" ok"))
    assert failures >= STEPS // 4, sorted(seen.items())


# ----- the harness itself: it must notice a platform that breaks a rule ----------------------
_TX_METHODS = (
    "grant_role", "revoke_role", "register_firm", "report_status", "leave_registry", "post_offer", "post_offers",
    "update_offer", "withdraw_offer", "propose_agreement", "propose_agreements", "accept_agreement",
    "reject_agreement", "terminate_agreement", "close_agreement", "record_delivery",
)


class _ChainClock(MemoryPlatform):
    """A memory platform with a chain's clock: a transaction runs at now + 1 and is mined
    there only if it succeeds; funding a new account mines a block."""

    def new_account(self) -> str:
        account = super().new_account()
        if hasattr(self, "_s"):
            self.advance_time(1)
        return account

    def __getattribute__(self, name: str) -> Any:
        attr = super().__getattribute__(name)
        if name not in _TX_METHODS:
            return attr

        def mined(*args: Any) -> Any:
            self.advance_time(1)
            try:
                return attr(*args)
            except (errors.ContractError, errors.InvalidInput):
                super(_ChainClock, self).__getattribute__("_s").now -= 1  # not mined
                raise

        return mined


class _LateEnds(_ChainClock):
    """Agreements end a second late."""

    def _apply_accept(self, agreement_id: int) -> Any:
        event = super()._apply_accept(agreement_id)
        self._s.agreements[agreement_id - 1].ends_at += 1
        return event


class _WrongStateArg(_ChainClock):
    """AgreementWrongState carries the stored instead of the effective state."""

    def _effective(self, a: Any) -> Any:
        return a.state


class _NoRevertOnFailure(_ChainClock):
    """A failed proposal still creates the agreement (not atomic)."""

    def propose_agreement(self, sender: str, offer_id: int, quantity: int, duration_s: int) -> int:
        try:
            return super().propose_agreement(sender, offer_id, quantity, duration_s)
        except errors.OfferOverAllocated:
            self._s.agreements.append(copy.copy(self._s.agreements[-1]) if self._s.agreements else None)  # type: ignore[arg-type]
            raise


def test_memory_against_itself_agrees() -> None:
    seen = _differential_run(Pair(_ChainClock(start_time=2_000_000_000)), 8)
    assert seen.get("accept_agreement ok", 0) > 0


@pytest.mark.parametrize("mutant", [_LateEnds, _WrongStateArg, _NoRevertOnFailure])
def test_harness_detects_a_deviating_platform(mutant: type[MemoryPlatform]) -> None:
    with pytest.raises(AssertionError):
        _differential_run(Pair(mutant(start_time=2_000_000_000)), 8)
