"""The IS-MES network model: firms, their energy demands and outputs, exchanges, backups.

A :class:`Park` is a directed multigraph (``networkx.MultiDiGraph``): nodes are firms,
edges are symbiotic energy exchanges from supplier to consumer, keyed by energy form.

Units: power in MW (a one-hour step turns MW into MWh), distance in km, temperature in
degrees C, cost in EUR/MWh, emissions in tCO2/MWh.

The physical model (see ``simulation/model.py`` for the rules):

* A firm needs each form in ``demands`` (MW at full operating level). Part of that demand
  is served by symbiotic exchanges (the in-edges); the rest comes from utilities at
  baseline (``utility share``), which are always available.
* A firm's energy ``outputs`` (MW at full level) scale with its operating level. What is
  not sold through exchanges is its *spare* (excess or waste) energy: what BOIS registers
  as offers.
* When symbiotic supply is lost, a firm can buy **backup** from a utility for that form
  (``Park.backups``), limited to a share of the lost supply and available only after a
  start-up delay, at a cost and CO2 intensity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterator

import networkx as nx

from bois.types import EnergyForm

SECTORS: tuple[str, ...] = (
    "power",  # power and heat plants
    "refinery",
    "chemicals",
    "pharma",  # pharmaceuticals / biotech
    "building_materials",  # plasterboard, cement
    "food",
    "aquaculture",
    "bioenergy",  # biogas plants
    "utility",  # district heating, water treatment, waste management
    "municipality",  # town district heating network
    "manufacturing",
    "data_center",
    "greenhouse",
    "paper",
    "metals",
)


def sector_code(sector: str) -> int:
    """The uint8 code registered on chain for a sector name."""
    try:
        return SECTORS.index(sector)
    except ValueError:
        raise ValueError(f"unknown sector {sector!r}; known: {', '.join(SECTORS)}") from None


@dataclass(frozen=True)
class Demand:
    """A required energy input: ``mw`` at full level, at least ``min_temperature_c``."""

    mw: float
    min_temperature_c: float = 0.0


@dataclass(frozen=True)
class Output:
    """An energy output at full level, at ``temperature_c`` (0 for non-thermal forms)."""

    mw: float
    temperature_c: float = 0.0


@dataclass(frozen=True)
class FirmSpec:
    firm_id: str
    name: str
    sector: str
    x_km: float
    y_km: float
    demands: dict[EnergyForm, Demand] = field(default_factory=dict)
    outputs: dict[EnergyForm, Output] = field(default_factory=dict)
    note: str = ""  # source or assumption behind the numbers


@dataclass(frozen=True)
class Exchange:
    supplier: str
    consumer: str
    form: EnergyForm
    mw: float
    note: str = ""


@dataclass(frozen=True)
class BackupSpec:
    """A utility that can replace lost symbiotic supply of one form.

    ``max_share``: fraction of a firm's lost symbiotic supply it can replace (0..1);
    ``delay_steps``: hours from the start of a shortfall until it delivers;
    ``cost_eur_per_mwh`` and ``co2_t_per_mwh``: what each MWh of backup costs and emits.
    """

    form: EnergyForm
    max_share: float
    delay_steps: int
    cost_eur_per_mwh: float
    co2_t_per_mwh: float
    note: str = ""


# Maximum distance over which each form can be exchanged (km): heat and water lose
# temperature and pumping energy with distance, gases and electricity travel further.
# Assumptions, documented in README "Simulation model".
MAX_EXCHANGE_DISTANCE_KM: dict[EnergyForm, float] = {
    EnergyForm.ELECTRICITY: 50.0,
    EnergyForm.STEAM: 5.0,
    EnergyForm.DISTRICT_HEAT: 15.0,
    EnergyForm.WASTE_HEAT: 5.0,
    EnergyForm.FUEL_GAS: 30.0,
    EnergyForm.BIOGAS: 30.0,
    EnergyForm.COOLING_WATER: 5.0,
}


def default_backups() -> dict[EnergyForm, BackupSpec]:
    """Backup utilities available to every firm (assumptions, see README)."""
    b = [
        BackupSpec(EnergyForm.ELECTRICITY, 1.0, 0, 120.0, 0.15, "public grid: immediate, unlimited for a park"),
        BackupSpec(EnergyForm.STEAM, 0.5, 6, 75.0, 0.23, "standby natural-gas boilers cover half, 6 h start-up"),
        BackupSpec(EnergyForm.DISTRICT_HEAT, 0.6, 2, 65.0, 0.22, "gas peak-load boilers cover 60%, 2 h start-up"),
        BackupSpec(EnergyForm.WASTE_HEAT, 0.0, 0, 0.0, 0.0, "low-grade heat has no utility substitute"),
        BackupSpec(EnergyForm.FUEL_GAS, 1.0, 1, 45.0, 0.20, "natural gas from the grid, 1 h switch-over"),
        BackupSpec(EnergyForm.BIOGAS, 1.0, 1, 45.0, 0.20, "natural gas from the grid replaces biogas"),
        BackupSpec(EnergyForm.COOLING_WATER, 0.3, 12, 8.0, 0.0, "emergency fresh-water cooling covers 30%, 12 h"),
    ]
    return {x.form: x for x in b}


class Park:
    """A validated IS-MES: firms, exchanges and backup utilities over a networkx graph."""

    def __init__(
        self,
        name: str,
        firms: list[FirmSpec],
        exchanges: list[Exchange],
        backups: dict[EnergyForm, BackupSpec] | None = None,
        description: str = "",
    ) -> None:
        self.name = name
        self.description = description
        self.backups = default_backups() if backups is None else dict(backups)
        self.graph: nx.MultiDiGraph = nx.MultiDiGraph()
        self._firms: dict[str, FirmSpec] = {}
        for f in firms:
            if f.firm_id in self._firms:
                raise ValueError(f"duplicate firm id {f.firm_id!r}")
            self._firms[f.firm_id] = f
            self.graph.add_node(f.firm_id)
        for ex in exchanges:
            for end in (ex.supplier, ex.consumer):
                if end not in self._firms:
                    raise ValueError(f"exchange {ex.supplier}->{ex.consumer} ({ex.form.name.lower()}): unknown firm {end!r}")
            if ex.supplier == ex.consumer:
                raise ValueError(f"exchange {ex.supplier}->{ex.consumer}: a firm cannot supply itself")
            if self.graph.has_edge(ex.supplier, ex.consumer, key=ex.form):
                raise ValueError(f"duplicate exchange {ex.supplier}->{ex.consumer} ({ex.form.name.lower()})")
            self.graph.add_edge(ex.supplier, ex.consumer, key=ex.form, exchange=ex, distance_km=self.distance_km(ex.supplier, ex.consumer))
        self._check_balances()

    # ----- access -----------------------------------------------------------------
    @property
    def firms(self) -> dict[str, FirmSpec]:
        return self._firms

    def firm(self, firm_id: str) -> FirmSpec:
        return self._firms[firm_id]

    def exchanges(self) -> Iterator[Exchange]:
        for _, _, data in self.graph.edges(data=True):
            yield data["exchange"]

    def distance_km(self, a: str, b: str) -> float:
        fa, fb = self._firms[a], self._firms[b]
        return math.hypot(fa.x_km - fb.x_km, fa.y_km - fb.y_km)

    def symbiotic_supply(self, firm_id: str, form: EnergyForm) -> float:
        """Baseline MW of ``form`` that ``firm_id`` receives through exchanges."""
        return sum(d["exchange"].mw for _, _, k, d in self.graph.in_edges(firm_id, keys=True, data=True) if k == form)

    def contracted_out(self, firm_id: str, form: EnergyForm) -> float:
        """Baseline MW of ``form`` that ``firm_id`` sells through exchanges."""
        return sum(d["exchange"].mw for _, _, k, d in self.graph.out_edges(firm_id, keys=True, data=True) if k == form)

    def spare(self, firm_id: str, form: EnergyForm) -> float:
        """MW of ``form`` that ``firm_id`` produces at full level but does not sell."""
        out = self._firms[firm_id].outputs.get(form)
        return 0.0 if out is None else max(0.0, out.mw - self.contracted_out(firm_id, form))

    def total_symbiotic_mw(self) -> float:
        return sum(ex.mw for ex in self.exchanges())

    def __len__(self) -> int:
        return len(self._firms)

    # ----- validation --------------------------------------------------------------
    def _check_balances(self) -> None:
        for fid, f in self._firms.items():
            for form, d in f.demands.items():
                if d.mw <= 0:
                    raise ValueError(f"firm {fid!r}: demand for {form.name.lower()} must be > 0 MW, got {d.mw}")
            for form, o in f.outputs.items():
                if o.mw <= 0:
                    raise ValueError(f"firm {fid!r}: output of {form.name.lower()} must be > 0 MW, got {o.mw}")
        for ex in self.exchanges():
            if ex.mw <= 0:
                raise ValueError(f"exchange {ex.supplier}->{ex.consumer} ({ex.form.name.lower()}): mw must be > 0, got {ex.mw}")
            sup = self._firms[ex.supplier]
            if ex.form not in sup.outputs:
                raise ValueError(
                    f"exchange {ex.supplier}->{ex.consumer}: supplier {ex.supplier!r} has no {ex.form.name.lower()} output"
                )
            con = self._firms[ex.consumer]
            if ex.form not in con.demands:
                raise ValueError(
                    f"exchange {ex.supplier}->{ex.consumer}: consumer {ex.consumer!r} has no {ex.form.name.lower()} demand"
                )
        eps = 1e-9
        for fid, f in self._firms.items():
            for form, o in f.outputs.items():
                sold = self.contracted_out(fid, form)
                if sold > o.mw + eps:
                    raise ValueError(
                        f"firm {fid!r}: sells {sold:g} MW of {form.name.lower()} but produces only {o.mw:g} MW"
                    )
            for form, d in f.demands.items():
                got = self.symbiotic_supply(fid, form)
                if got > d.mw + eps:
                    raise ValueError(
                        f"firm {fid!r}: receives {got:g} MW of {form.name.lower()} but needs only {d.mw:g} MW"
                    )
