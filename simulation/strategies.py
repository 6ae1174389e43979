"""Recovery strategies: how an affected firm finds substitute energy.

Both strategies draw on the same physical pool - other firms' *spare* output (what they
produce at full level but do not sell through the baseline exchanges) - under the same
physical limits (form, temperature, maximum distance per form, a connection delay per
form) and the same ranking (delivered cost = offer price + transport cost x distance,
then distance, then id). They differ in what a firm can find and how long it takes:

* **BAU** (business as usual, no platform): a firm only learns about firms within its
  *information reach* - the firms at most ``bau_reach_hops`` exchange links away in the
  baseline network (its partners and their partners) - and each substitute takes
  ``bau_search_steps + bau_negotiation_steps`` hours of bilateral search and negotiation
  before the connection delay starts. BAU never touches a chain; spare capacity is kept
  in an off-chain ledger.
* **BOIS**: every firm is registered on the platform (physical layer) and its spare output
  is posted as auto-accept offers (searching layer). An affected firm searches the
  platform for compatible offers (form, quantity >= 1 kW, temperature, distance), ranks
  them, and proposes agreements (execution layer); an auto-accept offer accepts within the
  same transaction, so the agreement is in force within ``bois_agreement_steps``. The
  links the simulation applies are read back from the agreements on chain.

When the disrupted firm recovers, its baseline exchanges resume, and every substitute
link of the scenario ends at that step (BOIS: the consumer terminates the agreement on
chain, releasing the offer's capacity).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

import networkx as nx

from bois.errors import ContractError
from bois.platform import Platform, Role, TxStats, search_all
from bois.types import AgreementState, EnergyForm, FirmStatus, OfferQuery

from .model import Link, ParkModel
from .network import MAX_EXCHANGE_DISTANCE_KM, sector_code

# Connection delay per form, hours, the same under both strategies: the park's shared
# pipe networks (Kalundborg's steam, district-heating, gas and water pipes) let two firms
# within the distance limit connect after valve work and commissioning (assumption).
CONNECTION_DELAY_STEPS: dict[EnergyForm, int] = {
    EnergyForm.ELECTRICITY: 0,
    EnergyForm.STEAM: 6,
    EnergyForm.DISTRICT_HEAT: 4,
    EnergyForm.WASTE_HEAT: 8,
    EnergyForm.FUEL_GAS: 2,
    EnergyForm.BIOGAS: 2,
    EnergyForm.COOLING_WATER: 8,
}

# Price of recovered/excess energy offered by firms, EUR/MWh (assumption: about half the
# utility price of the same form, so substitutes are cheaper than backup).
OFFER_PRICE_EUR_PER_MWH: dict[EnergyForm, float] = {
    EnergyForm.ELECTRICITY: 60.0,
    EnergyForm.STEAM: 35.0,
    EnergyForm.DISTRICT_HEAT: 30.0,
    EnergyForm.WASTE_HEAT: 10.0,
    EnergyForm.FUEL_GAS: 25.0,
    EnergyForm.BIOGAS: 30.0,
    EnergyForm.COOLING_WATER: 2.0,
}

# Transport cost, EUR/MWh per km (pumping and heat losses; assumption).
TRANSPORT_EUR_PER_MWH_KM: dict[EnergyForm, float] = {
    EnergyForm.ELECTRICITY: 0.2,
    EnergyForm.STEAM: 3.0,
    EnergyForm.DISTRICT_HEAT: 1.0,
    EnergyForm.WASTE_HEAT: 2.0,
    EnergyForm.FUEL_GAS: 0.3,
    EnergyForm.BIOGAS: 0.3,
    EnergyForm.COOLING_WATER: 1.0,
}

OFFER_VALIDITY_S = 10 * 365 * 24 * 3600  # offers posted at setup stay valid for the whole study
STEP_S = 3600


@dataclass(frozen=True)
class RecoveryParams:
    """Timing assumptions of the strategies (hours). Documented in the README."""

    bau_search_steps: int = 48  # finding a partner without a platform: calls, meetings
    bau_negotiation_steps: int = 72  # bilateral contract negotiation
    bau_reach_hops: int = 2  # partners and partners' partners
    bois_agreement_steps: int = 1  # search + auto-accepted agreement on chain
    retry_steps: int = 12  # an unsatisfied firm searches again after this many hours
    min_need_mw: float = 0.01  # needs below 10 kW are ignored
    connection_delay_steps: dict[EnergyForm, int] = field(default_factory=lambda: dict(CONNECTION_DELAY_STEPS))

    def __post_init__(self) -> None:
        for name in ("bau_search_steps", "bau_negotiation_steps", "bois_agreement_steps", "retry_steps"):
            if getattr(self, name) < 0:
                raise ValueError(f"RecoveryParams.{name} must be >= 0, got {getattr(self, name)}")
        if self.retry_steps < 1:
            raise ValueError(f"RecoveryParams.retry_steps must be >= 1, got {self.retry_steps}")


@dataclass(frozen=True)
class Candidate:
    supplier: str
    form: EnergyForm
    available_mw: float
    distance_km: float
    cost_eur_per_mwh: float
    key: int  # offer id (BOIS) or 0
    key_kw: int = 0  # the offer's remaining kW (BOIS)


def to_kw(mw: float) -> int:
    """Whole kW in ``mw`` megawatts, rounded down (tolerating float noise: 4.2 MW is 4,200 kW)."""
    return math.floor(mw * 1000 + 1e-6)


def delivered_cost(form: EnergyForm, price_eur_per_mwh: float, distance_km: float) -> float:
    return price_eur_per_mwh + TRANSPORT_EUR_PER_MWH_KM[form] * distance_km


class RecoveryStrategy(Protocol):
    name: str

    def prepare(self, model: ParkModel) -> None: ...

    def start_scenario(self) -> None: ...

    def on_disrupted(self, firms: tuple[str, ...], step: int) -> None: ...

    def on_recovered(self, firms: tuple[str, ...], step: int) -> None: ...

    def seek(
        self, consumer: str, form: EnergyForm, need_mw: float, step: int, exclude: frozenset[str]
    ) -> list[Link]:
        """Find and contract substitutes for ``need_mw`` of ``form``; ``exclude``: suppliers not to ask
        (the disrupted firms, and those already supplying this need in this scenario)."""
        ...

    def release(self, links: list[Link], step: int) -> None: ...

    def stats(self) -> TxStats: ...


def _compatible(model: ParkModel, supplier: str, consumer: str, form: EnergyForm) -> float | None:
    """Distance in km when ``supplier`` can physically serve ``consumer`` with ``form``."""
    if supplier == consumer:
        return None
    out = model.park.firms[supplier].outputs.get(form)
    need = model.park.firms[consumer].demands.get(form)
    if out is None or need is None:
        return None
    # Same integer arithmetic as the platform's search: whole degrees, whole metres.
    if math.floor(out.temperature_c) < math.ceil(need.min_temperature_c):
        return None
    a, b = model.park.firms[supplier], model.park.firms[consumer]
    dx = round(a.x_km * 1000) - round(b.x_km * 1000)
    dy = round(a.y_km * 1000) - round(b.y_km * 1000)
    limit = round(MAX_EXCHANGE_DISTANCE_KM[form] * 1000)
    if dx * dx + dy * dy > limit * limit:
        return None
    return math.isqrt(dx * dx + dy * dy) / 1000


class BusinessAsUsual:
    """No platform: limited information reach and slow bilateral deals."""

    name = "bau"

    def __init__(self, params: RecoveryParams | None = None) -> None:
        self.params = params or RecoveryParams()
        self._reach: dict[str, frozenset[str]] = {}
        self._spare0: dict[tuple[str, EnergyForm], float] = {}
        self._spare: dict[tuple[str, EnergyForm], float] = {}
        self._stats = TxStats()
        self.model: ParkModel | None = None

    def prepare(self, model: ParkModel) -> None:
        self.model = model
        g = nx.Graph()
        g.add_nodes_from(model.firm_ids)
        g.add_edges_from((u, v) for u, v in model.park.graph.edges())
        hops = self.params.bau_reach_hops
        for fid in model.firm_ids:
            near = nx.single_source_shortest_path_length(g, fid, cutoff=hops)
            self._reach[fid] = frozenset(n for n in near if n != fid)
        for (fid, form), o in model.out_slot_of.items():
            spare = model.baseline_spare(fid, form)
            if spare > 0:
                self._spare0[(fid, form)] = spare

    def reach(self, firm_id: str) -> frozenset[str]:
        return self._reach[firm_id]

    def start_scenario(self) -> None:
        self._spare = dict(self._spare0)

    def on_disrupted(self, firms: tuple[str, ...], step: int) -> None:
        pass

    def on_recovered(self, firms: tuple[str, ...], step: int) -> None:
        pass

    def seek(self, consumer: str, form: EnergyForm, need_mw: float, step: int, exclude: frozenset[str]) -> list[Link]:
        assert self.model is not None
        candidates: list[Candidate] = []
        for supplier in sorted(self._reach[consumer]):
            if supplier in exclude:
                continue
            avail = self._spare.get((supplier, form), 0.0)
            if avail <= 1e-9:
                continue
            d = _compatible(self.model, supplier, consumer, form)
            if d is None:
                continue
            candidates.append(Candidate(supplier, form, avail, d, delivered_cost(form, OFFER_PRICE_EUR_PER_MWH[form], d), 0))
        candidates.sort(key=lambda c: (c.cost_eur_per_mwh, c.distance_km, c.supplier))
        start = step + self.params.bau_search_steps + self.params.bau_negotiation_steps + self.params.connection_delay_steps[form]
        links: list[Link] = []
        remaining = need_mw
        for c in candidates:
            if remaining <= self.params.min_need_mw:
                break
            # Quantities are traded in whole kW, as on the platform.
            mw = to_kw(min(c.available_mw, remaining)) / 1000
            if mw <= 0:
                continue
            self._spare[(c.supplier, form)] = c.available_mw - mw
            remaining -= mw
            links.append(Link(c.supplier, consumer, form, mw, start))
        return links

    def release(self, links: list[Link], step: int) -> None:
        for lk in links:
            key = (lk.supplier, lk.form)
            self._spare[key] = self._spare.get(key, 0.0) + lk.mw

    def stats(self) -> TxStats:
        return self._stats


SEARCH_MODES = ("lens", "index")


class BoisStrategy:
    """Recovery through the BOIS platform (contracts on a chain, or the in-memory model)."""

    name = "bois"

    def __init__(
        self, platform: Platform, params: RecoveryParams | None = None, batch: bool = True, search: str = "lens"
    ) -> None:
        if search not in SEARCH_MODES:
            raise ValueError(f"search: expected one of {', '.join(SEARCH_MODES)}, got {search!r}")
        self.platform = platform
        self.params = params or RecoveryParams()
        # batch: post a firm's offers with one postOffers and a consumer's proposals with one
        # proposeAgreements (falling back to one call each if the batch reverts).
        self.batch = batch
        # search: "lens" asks the OfferSearch view contract; "index" an SQLite index following
        # the platform's events (bois.index). Same answers; on the in-memory platform both are
        # its own in-memory search.
        self.search = search
        self._searcher: Any = platform
        # An offer's form never changes (updateOffer keeps it), and the offers contracted in a
        # sweep are the setup's (stable across reverts): read each from the chain once.
        self._offer_form: dict[int, EnergyForm] = {}
        self.model: ParkModel | None = None
        self.account: dict[str, str] = {}
        self.platform_id: dict[str, int] = {}
        self.firm_of_platform_id: dict[int, str] = {}
        self.offer_ids: dict[tuple[str, EnergyForm], int] = {}
        self.operator = ""
        self.setup_stats = TxStats()
        self.failed: list[str] = []  # reverted transactions during recovery, reported
        self._snapshot: object | None = None
        self._scenario_start: TxStats = TxStats()
        # Searches that found nothing, per (consumer, form, excluded suppliers). Between two
        # events that can add capacity (a supplier recovering, an agreement ending) the set of
        # matching offers can only shrink, so an empty answer stays empty: skip the view call.
        self._empty: set[tuple[str, EnergyForm, frozenset[str]]] = set()
        self.searches = 0

    # ----- setup: the physical and searching layers -----------------------------------
    def prepare(self, model: ParkModel, progress: Callable[[int], None] | None = None) -> None:
        self.model = model
        p = self.platform
        self.operator = p.new_account()
        p.grant_role(p.admin, Role.OPERATOR, self.operator)
        for fid in model.firm_ids:
            spec = model.park.firms[fid]
            acct = p.new_account()
            self.account[fid] = acct
            pid = p.register_firm(
                acct,
                spec.name[:64] or fid,
                sector_code(spec.sector),
                round(spec.x_km * 1000),
                round(spec.y_km * 1000),
                sorted(spec.outputs),
                sorted(spec.demands),
            )
            self.platform_id[fid] = pid
            self.firm_of_platform_id[pid] = fid
            offers = []
            for form in sorted(spec.outputs):
                spare_kw = to_kw(model.baseline_spare(fid, form))
                if spare_kw <= 0:
                    continue
                price = round(OFFER_PRICE_EUR_PER_MWH[form] * 100)  # cents/MWh
                temp = math.floor(spec.outputs[form].temperature_c)
                offers.append((form, spare_kw, temp, price, p.now() + OFFER_VALIDITY_S, True))
            if offers:
                post_many = getattr(p, "post_offers", None)
                if self.batch and post_many is not None and len(offers) > 1:
                    ids = post_many(acct, offers)
                else:
                    ids = [p.post_offer(acct, *o) for o in offers]
                for o, oid in zip(offers, ids):
                    self.offer_ids[(fid, o[0])] = oid
            if progress is not None:
                progress(1)
        self.setup_stats = p.stats.copy()
        self._snapshot = p.snapshot()
        if self.search == "index":
            from bois.index import indexed

            self._searcher = indexed(p)
        else:
            self._searcher = p

    def start_scenario(self) -> None:
        assert self._snapshot is not None, "prepare() first"
        self.platform.revert(self._snapshot)
        self._snapshot = self.platform.snapshot()
        self.failed = []
        self._empty.clear()
        self._scenario_start = self.platform.stats.copy()

    def on_disrupted(self, firms: tuple[str, ...], step: int) -> None:
        for fid in firms:
            self.platform.report_status(self.operator, self.platform_id[fid], FirmStatus.DISRUPTED)

    def on_recovered(self, firms: tuple[str, ...], step: int) -> None:
        self._empty.clear()
        for fid in firms:
            self.platform.report_status(self.operator, self.platform_id[fid], FirmStatus.RECOVERED)

    # ----- recovery: the searching and execution layers ------------------------------
    def seek(self, consumer: str, form: EnergyForm, need_mw: float, step: int, exclude: frozenset[str]) -> list[Link]:
        assert self.model is not None
        if (consumer, form, exclude) in self._empty:
            return []
        self.searches += 1
        spec = self.model.park.firms[consumer]
        demand = spec.demands[form]
        query = OfferQuery(
            form=form,
            min_quantity=1,
            min_temperature_c=math.ceil(demand.min_temperature_c),
            max_distance_m=round(MAX_EXCHANGE_DISTANCE_KM[form] * 1000),
            x_m=round(spec.x_km * 1000),
            y_m=round(spec.y_km * 1000),
        )
        own = self.platform_id[consumer]
        candidates: list[Candidate] = []
        for m in search_all(self._searcher, query, page_size=200):
            if m.offer.supplier_id == own or self.firm_of_platform_id[m.offer.supplier_id] in exclude:
                continue
            d_km = m.distance_m / 1000
            candidates.append(
                Candidate(
                    self.firm_of_platform_id[m.offer.supplier_id],
                    form,
                    m.offer.remaining / 1000,
                    d_km,
                    delivered_cost(form, m.offer.price / 100, d_km),
                    m.offer.offer_id,
                    m.offer.remaining,
                )
            )
        if not candidates:
            self._empty.add((consumer, form, exclude))
        candidates.sort(key=lambda c: (c.cost_eur_per_mwh, c.distance_km, c.key))
        start = step + self.params.bois_agreement_steps + self.params.connection_delay_steps[form]
        need_kw = to_kw(need_mw)
        links: list[Link] = []
        acct = self.account[consumer]
        horizon_s = OFFER_VALIDITY_S // 2
        min_kw = round(self.params.min_need_mw * 1000)
        propose_many = getattr(self.platform, "propose_agreements", None)
        if self.batch and propose_many is not None:
            # Greedy over the ranked offers, each taking what is still needed up to the offer's
            # remaining capacity as the search reported it: one proposeAgreements transaction
            # (all or nothing). The offers auto-accept, so each is ACTIVE at once.
            plan: list[tuple[Candidate, int]] = []
            left = need_kw
            for c in candidates:
                if left <= min_kw:
                    break
                qty = min(c.key_kw, left)
                if qty > 0:
                    plan.append((c, qty))
                    left -= qty
            if len(plan) > 1:
                try:
                    ids = propose_many(acct, [(c.key, qty, horizon_s) for c, qty in plan])
                except ContractError as exc:  # reported; then one by one, below
                    self.failed.append(f"step {step}: {consumer} proposeAgreements({len(plan)} proposals): {exc}")
                else:
                    self._read_back(list(ids), {c.key: c for c, _ in plan}, form, start, step, links)
                    return links
        for c in candidates:
            if need_kw <= min_kw:
                break
            qty = min(c.key_kw, need_kw)
            if qty <= 0:
                continue
            try:
                aid = self.platform.propose_agreement(acct, c.key, qty, horizon_s)
            except ContractError as exc:  # reported, and recovery goes on with the next offer
                self.failed.append(f"step {step}: {consumer} proposeAgreement(offer {c.key}, {qty} kW): {exc}")
                continue
            need_kw -= self._read_back([aid], {c.key: c}, form, start, step, links)
        return links

    def _read_back(
        self, ids: list[int], by_offer: dict[int, Candidate], form: EnergyForm, start: int, step: int, links: list[Link]
    ) -> int:
        """Append a link for each of the agreements ``ids`` that the proposal transaction's
        events (``platform.last_events``: what the chain emitted) show accepted; returns
        their kW. The chain's state is compared with the simulation's links in full when
        the disrupted firm recovers (``runner._verify_against_chain``)."""
        proposed: dict[int, Any] = {}
        accepted: set[int] = set()
        for e in self.platform.last_events:
            aid = int(e.args.get("agreementId", 0))
            if e.name == "AgreementProposed":
                proposed[aid] = e.args
            elif e.name == "AgreementAccepted":
                accepted.add(aid)
        total = 0
        for aid in ids:
            args = proposed.get(aid)
            if args is None:
                raise RuntimeError(f"step {step}: no AgreementProposed event for agreement {aid} in its transaction")
            if aid not in accepted:
                self.failed.append(f"step {step}: agreement {aid} was not accepted at once; left pending")
                continue
            supplier = by_offer[int(args["offerId"])].supplier
            consumer = self.firm_of_platform_id[int(args["consumerId"])]
            kw = int(args["quantity"])
            links.append(Link(supplier, consumer, form, kw / 1000, start, aid))
            total += kw
        return total

    def release(self, links: list[Link], step: int) -> None:
        self._empty.clear()
        for lk in links:
            try:
                self.platform.terminate_agreement(self.account[lk.consumer], lk.agreement_id)
            except ContractError as exc:
                self.failed.append(f"step {step}: {lk.consumer} terminateAgreement({lk.agreement_id}): {exc}")

    def stats(self) -> TxStats:
        now = self.platform.stats
        start = self._scenario_start
        out = TxStats(now.transactions - start.transactions, now.gas_used - start.gas_used)
        for fn, (count, gas) in now.by_function.items():
            c0, g0 = start.by_function.get(fn, [0, 0])
            if count - c0:
                out.by_function[fn] = [count - c0, gas - g0]
        return out

    def live_links_on_chain(self) -> list[tuple[str, str, EnergyForm, float, int]]:
        """Every live agreement on the platform as (supplier, consumer, form, MW, id)."""
        out = []
        for aid in range(1, self.platform.agreement_count() + 1):
            a = self.platform.agreement(aid)
            if a.state in (AgreementState.ACTIVE, AgreementState.SUSPENDED):
                form = self._offer_form.get(a.offer_id)
                if form is None:
                    form = self._offer_form[a.offer_id] = self.platform.offer(a.offer_id).form
                out.append(
                    (
                        self.firm_of_platform_id[a.supplier_id],
                        self.firm_of_platform_id[a.consumer_id],
                        form,
                        a.quantity / 1000,
                        aid,
                    )
                )
        return out
