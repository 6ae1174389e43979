"""Seeded synthetic eco-industrial parks, from 10 to 10,000+ firms.

``generate_park(n_firms, seed)`` draws everything from one ``numpy.random.Generator``
seeded with ``seed``: the same ``(n_firms, seed, area_km)`` always gives the same park.

How a park is built
-------------------

1. **Layout.** Firms sit in industrial clusters (about 25 firms each) whose centres are
   uniform over a square of side ``area_km`` (default ``1.5 * sqrt(n_firms)`` km, so the
   density stays realistic as the park grows: ~5 km for 10 firms, ~150 km for 10,000).
   Firms scatter around their cluster centre (normal, sigma 0.8 km), clipped to the square.
2. **Sectors.** The first firm of each cluster is an anchor tenant (power plant, refinery,
   chemicals or paper mill, the firms industrial parks grow around); the others follow
   :data:`SECTOR_WEIGHTS`. Each sector's :class:`SectorProfile` lists the outputs and
   demands such firms typically have, with probabilities, MW ranges (drawn log-uniform)
   and temperature ranges (output temperature / demand minimum temperature).
3. **Exchanges.** Every supplier keeps 10-40% of each output unsold (its spare, what BOIS
   could offer). Consumers, in a seeded random order, look for suppliers of the same form
   among the 16 nearest within ``MAX_EXCHANGE_DISTANCE_KM[form]`` (a KD-tree query),
   nearest first, temperature-compatible (output temperature >= demand minimum), and buy
   from at most 3 of them until 50-100% of their demand is covered (the rest comes from
   utilities).
4. **Pruning.** A demand that got no exchange is kept only if a compatible supplier with
   spare exists within range (a realistic BOIS substitute); otherwise it is dropped (such
   demands are served by utilities and irrelevant to the simulation).

The result always passes :class:`~simulation.network.Park` validation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from bois.types import EnergyForm
from simulation.network import MAX_EXCHANGE_DISTANCE_KM, SECTORS, Demand, Exchange, FirmSpec, Output, Park

E = EnergyForm


@dataclass(frozen=True)
class FlowSpec:
    """A typical output or demand of a sector: present with probability ``prob``,
    ``mw`` drawn log-uniform in the range, ``temp`` (output temperature or demand minimum
    temperature, C) uniform in the range."""

    form: EnergyForm
    prob: float
    mw: tuple[float, float]
    temp: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True)
class SectorProfile:
    label: str
    outputs: tuple[FlowSpec, ...]
    demands: tuple[FlowSpec, ...]


SECTOR_PROFILES: dict[str, SectorProfile] = {
    "power": SectorProfile(
        "Power & heat plant",
        outputs=(
            FlowSpec(E.STEAM, 1.0, (20, 200), (200, 540)),
            FlowSpec(E.DISTRICT_HEAT, 0.7, (10, 100), (80, 120)),
            FlowSpec(E.ELECTRICITY, 1.0, (20, 400)),
            FlowSpec(E.WASTE_HEAT, 0.6, (20, 150), (25, 35)),
        ),
        demands=(
            FlowSpec(E.FUEL_GAS, 0.3, (5, 40)),
            FlowSpec(E.COOLING_WATER, 0.4, (5, 30)),
            FlowSpec(E.BIOGAS, 0.2, (2, 10)),
        ),
    ),
    "refinery": SectorProfile(
        "Refinery",
        outputs=(
            FlowSpec(E.FUEL_GAS, 1.0, (5, 50)),
            FlowSpec(E.STEAM, 0.5, (5, 30), (180, 260)),
            FlowSpec(E.WASTE_HEAT, 0.8, (10, 60), (40, 90)),
            FlowSpec(E.COOLING_WATER, 0.5, (1, 8), (20, 30)),
        ),
        demands=(
            FlowSpec(E.STEAM, 1.0, (10, 60), (150, 200)),
            FlowSpec(E.ELECTRICITY, 0.4, (5, 40)),
            FlowSpec(E.BIOGAS, 0.3, (1, 5)),
        ),
    ),
    "chemicals": SectorProfile(
        "Chemical plant",
        outputs=(
            FlowSpec(E.WASTE_HEAT, 0.8, (2, 30), (40, 90)),
            FlowSpec(E.STEAM, 0.3, (2, 15), (150, 250)),
            FlowSpec(E.FUEL_GAS, 0.15, (1, 10)),
        ),
        demands=(
            FlowSpec(E.STEAM, 0.9, (3, 40), (120, 200)),
            FlowSpec(E.ELECTRICITY, 0.3, (2, 20)),
            FlowSpec(E.COOLING_WATER, 0.4, (2, 15)),
            FlowSpec(E.FUEL_GAS, 0.3, (2, 15)),
        ),
    ),
    "pharma": SectorProfile(
        "Pharma / biotech plant",
        outputs=(FlowSpec(E.WASTE_HEAT, 0.9, (1, 15), (30, 45)),),
        demands=(
            FlowSpec(E.STEAM, 0.9, (3, 20), (150, 180)),
            FlowSpec(E.ELECTRICITY, 0.3, (1, 10)),
            FlowSpec(E.COOLING_WATER, 0.3, (1, 5)),
        ),
    ),
    "building_materials": SectorProfile(
        "Building-materials plant",
        outputs=(FlowSpec(E.WASTE_HEAT, 0.6, (1, 10), (60, 150)),),
        demands=(
            FlowSpec(E.FUEL_GAS, 0.9, (2, 20)),
            FlowSpec(E.BIOGAS, 0.2, (0.5, 3)),
            FlowSpec(E.ELECTRICITY, 0.3, (1, 8)),
        ),
    ),
    "food": SectorProfile(
        "Food factory",
        outputs=(FlowSpec(E.WASTE_HEAT, 0.8, (0.5, 6), (30, 40)),),
        demands=(
            FlowSpec(E.STEAM, 0.7, (1, 10), (120, 160)),
            FlowSpec(E.DISTRICT_HEAT, 0.5, (0.5, 5), (60, 80)),
            FlowSpec(E.ELECTRICITY, 0.3, (0.5, 5)),
        ),
    ),
    "aquaculture": SectorProfile(
        "Fish farm",
        outputs=(),
        demands=(FlowSpec(E.WASTE_HEAT, 1.0, (0.5, 5), (18, 28)),),
    ),
    "bioenergy": SectorProfile(
        "Biogas plant",
        outputs=(
            FlowSpec(E.BIOGAS, 1.0, (1, 12)),
            FlowSpec(E.WASTE_HEAT, 0.4, (0.3, 2), (40, 60)),
        ),
        demands=(FlowSpec(E.WASTE_HEAT, 0.5, (0.2, 1.5), (35, 45)),),
    ),
    "utility": SectorProfile(
        "Utility (heat pumps, boilers, water)",
        outputs=(
            FlowSpec(E.DISTRICT_HEAT, 0.8, (3, 40), (70, 95)),
            FlowSpec(E.COOLING_WATER, 0.3, (2, 15), (10, 20)),
        ),
        demands=(
            FlowSpec(E.WASTE_HEAT, 0.7, (2, 20), (20, 30)),
            FlowSpec(E.BIOGAS, 0.4, (1, 8)),
        ),
    ),
    "municipality": SectorProfile(
        "Town district-heating network",
        outputs=(),
        demands=(FlowSpec(E.DISTRICT_HEAT, 1.0, (5, 60), (65, 80)),),
    ),
    "manufacturing": SectorProfile(
        "Manufacturing plant",
        outputs=(FlowSpec(E.WASTE_HEAT, 0.7, (0.3, 5), (30, 60)),),
        demands=(
            FlowSpec(E.ELECTRICITY, 0.3, (0.5, 8)),
            FlowSpec(E.DISTRICT_HEAT, 0.5, (0.3, 4), (55, 70)),
            FlowSpec(E.STEAM, 0.2, (0.5, 5), (120, 160)),
            FlowSpec(E.FUEL_GAS, 0.2, (0.5, 5)),
        ),
    ),
    "data_center": SectorProfile(
        "Data centre",
        outputs=(FlowSpec(E.WASTE_HEAT, 1.0, (1, 30), (25, 35)),),
        demands=(
            FlowSpec(E.ELECTRICITY, 1.0, (2, 40)),
            FlowSpec(E.COOLING_WATER, 0.8, (1, 20)),
        ),
    ),
    "greenhouse": SectorProfile(
        "Greenhouse",
        outputs=(),
        demands=(
            FlowSpec(E.WASTE_HEAT, 0.8, (0.5, 8), (25, 40)),
            FlowSpec(E.DISTRICT_HEAT, 0.4, (0.5, 5), (50, 70)),
            FlowSpec(E.ELECTRICITY, 0.3, (0.3, 3)),
        ),
    ),
    "paper": SectorProfile(
        "Paper mill",
        outputs=(FlowSpec(E.WASTE_HEAT, 0.9, (3, 25), (40, 70)),),
        demands=(
            FlowSpec(E.STEAM, 1.0, (10, 60), (150, 200)),
            FlowSpec(E.ELECTRICITY, 0.4, (5, 30)),
        ),
    ),
    "metals": SectorProfile(
        "Metals plant",
        outputs=(
            FlowSpec(E.WASTE_HEAT, 0.9, (5, 50), (100, 300)),
            FlowSpec(E.STEAM, 0.3, (3, 20), (200, 300)),
        ),
        demands=(
            FlowSpec(E.ELECTRICITY, 0.6, (10, 100)),
            FlowSpec(E.FUEL_GAS, 0.7, (3, 40)),
        ),
    ),
}

# Share of non-anchor firms by sector (normalised): many small manufacturers and food
# plants, a few heavy-industry and energy firms (assumption, typical of European parks).
SECTOR_WEIGHTS: dict[str, float] = {
    "manufacturing": 0.22,
    "food": 0.13,
    "chemicals": 0.09,
    "utility": 0.06,
    "greenhouse": 0.06,
    "data_center": 0.05,
    "pharma": 0.05,
    "building_materials": 0.05,
    "bioenergy": 0.05,
    "power": 0.04,
    "metals": 0.04,
    "municipality": 0.03,
    "aquaculture": 0.03,
    "paper": 0.03,
    "refinery": 0.02,
}

# Anchor tenants: the first firm of each cluster.
ANCHOR_WEIGHTS: dict[str, float] = {"power": 0.5, "refinery": 0.2, "chemicals": 0.2, "paper": 0.1}

FIRMS_PER_CLUSTER = 25
CLUSTER_SIGMA_KM = 0.8
SPARE_SHARE = (0.10, 0.40)  # unsold share of each output
SYMBIOTIC_SHARE = (0.50, 1.00)  # share of a demand a consumer tries to cover by exchanges
NEIGHBOURS = 16  # suppliers considered per demand (nearest first)
MAX_SUPPLIERS = 3  # exchanges per demand at most
MIN_EXCHANGE_MW = 0.05

assert set(SECTOR_PROFILES) == set(SECTORS), "every sector needs a profile"
assert set(SECTOR_WEIGHTS) == set(SECTORS)


def default_area_km(n_firms: int) -> float:
    """Side of the square park area (km) for ``n_firms``: ~5 km for 10 firms."""
    return 1.5 * math.sqrt(n_firms)


def _log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def _floor(x: float, step: float) -> float:
    return math.floor(x / step + 1e-9) * step


def generate_park(n_firms: int, seed: int, *, area_km: float | None = None) -> Park:
    """A synthetic eco-industrial park of ``n_firms`` firms; see the module docstring.

    ``area_km`` is the side of the square park area in km (default
    :func:`default_area_km`). Deterministic in ``(n_firms, seed, area_km)``.
    """
    if isinstance(n_firms, bool) or not isinstance(n_firms, int) or n_firms < 1:
        raise ValueError(f"n_firms must be a positive integer, got {n_firms!r}")
    side = default_area_km(n_firms) if area_km is None else float(area_km)
    if not math.isfinite(side) or side <= 0:
        raise ValueError(f"area_km must be a positive number, got {area_km!r}")
    rng = np.random.default_rng(seed)

    # ---- 1. layout --------------------------------------------------------------------
    n_clusters = max(1, round(n_firms / FIRMS_PER_CLUSTER))
    centres = rng.uniform(0.15 * side, 0.85 * side, size=(n_clusters, 2)) if n_clusters > 1 else np.full((1, 2), side / 2)
    sizes_w = rng.lognormal(0.0, 0.5, size=n_clusters)
    cluster_of = rng.choice(n_clusters, size=n_firms, p=sizes_w / sizes_w.sum())
    cluster_of[: min(n_clusters, n_firms)] = np.arange(min(n_clusters, n_firms))  # every cluster gets a firm
    xy = centres[cluster_of] + rng.normal(0.0, CLUSTER_SIGMA_KM, size=(n_firms, 2))
    xy = np.clip(np.round(xy, 3), 0.0, round(side, 3))

    # ---- 2. sectors and flows -----------------------------------------------------------
    sector_names = list(SECTOR_WEIGHTS)
    w = np.array([SECTOR_WEIGHTS[s] for s in sector_names])
    sectors = [sector_names[i] for i in rng.choice(len(sector_names), size=n_firms, p=w / w.sum())]
    anchor_names = list(ANCHOR_WEIGHTS)
    aw = np.array([ANCHOR_WEIGHTS[s] for s in anchor_names])
    anchors = rng.choice(len(anchor_names), size=n_clusters, p=aw / aw.sum())
    for c in range(min(n_clusters, n_firms)):  # firm c is the first firm of cluster c
        sectors[c] = anchor_names[int(anchors[c])]

    outputs: list[dict[EnergyForm, Output]] = []
    demands: list[dict[EnergyForm, Demand]] = []
    sellable: dict[EnergyForm, list[tuple[int, float, float]]] = {f: [] for f in EnergyForm}  # (firm, MW, temp)
    for i in range(n_firms):
        prof = SECTOR_PROFILES[sectors[i]]
        outs: dict[EnergyForm, Output] = {}
        for spec in prof.outputs:
            if rng.random() < spec.prob:
                mw = max(0.1, round(_log_uniform(rng, *spec.mw), 1))
                t = float(round(rng.uniform(*spec.temp))) if spec.temp[1] > 0 else 0.0
                outs[spec.form] = Output(mw, t)
                spare = rng.uniform(*SPARE_SHARE)
                sellable[spec.form].append((i, mw * (1.0 - spare), t))
        dems: dict[EnergyForm, Demand] = {}
        for spec in prof.demands:
            if rng.random() < spec.prob:
                mw = max(0.1, round(_log_uniform(rng, *spec.mw), 1))
                t = float(round(rng.uniform(*spec.temp))) if spec.temp[1] > 0 else 0.0
                dems[spec.form] = Demand(mw, t)
        outputs.append(outs)
        demands.append(dems)

    # ---- 3. exchanges -------------------------------------------------------------------
    order = rng.permutation(n_firms)
    rank = np.empty(n_firms, dtype=np.int64)
    rank[order] = np.arange(n_firms)
    shares = rng.uniform(*SYMBIOTIC_SHARE, size=n_firms)  # per consumer, all its forms
    exchanges: list[Exchange] = []
    matched: set[tuple[int, EnergyForm]] = set()
    substitutable: set[tuple[int, EnergyForm]] = set()
    for form in EnergyForm:
        sups = sellable[form]
        cons = [i for i in range(n_firms) if form in demands[i]]
        if not sups or not cons:
            continue
        cons.sort(key=lambda i: rank[i])
        sup_idx = np.array([s[0] for s in sups], dtype=np.int64)
        remaining = [s[1] for s in sups]
        sup_temp = [s[2] for s in sups]
        tree = cKDTree(xy[sup_idx])
        k = min(NEIGHBOURS, len(sups))
        dist, nn = tree.query(xy[cons], k=k, distance_upper_bound=MAX_EXCHANGE_DISTANCE_KM[form])
        dist = np.asarray(dist).reshape(len(cons), k)
        nn = np.asarray(nn).reshape(len(cons), k)
        for row, c in enumerate(cons):
            dem = demands[c][form]
            need = dem.mw * float(shares[c])
            n_used = 0
            for j in range(k):
                if not math.isfinite(dist[row, j]):
                    break
                s = int(nn[row, j])
                firm_s = int(sup_idx[s])
                if firm_s == c or sup_temp[s] < dem.min_temperature_c:
                    continue
                substitutable.add((c, form))  # a compatible supplier with spare is in range
                if n_used >= MAX_SUPPLIERS or need < MIN_EXCHANGE_MW:
                    break
                amount = _floor(min(need, remaining[s]), 0.01)
                if amount < MIN_EXCHANGE_MW:
                    continue
                remaining[s] -= amount
                need -= amount
                n_used += 1
                matched.add((c, form))
                exchanges.append(Exchange(f"f{firm_s:05d}", f"f{c:05d}", form, amount))

    # ---- 4. firms (unmatched demands pruned unless a substitute exists) ----------------------
    firms: list[FirmSpec] = []
    for i in range(n_firms):
        dems = {f: d for f, d in demands[i].items() if (i, f) in matched or (i, f) in substitutable}
        sector = sectors[i]
        firms.append(
            FirmSpec(
                firm_id=f"f{i:05d}",
                name=f"{SECTOR_PROFILES[sector].label} {i}",
                sector=sector,
                x_km=float(xy[i, 0]),
                y_km=float(xy[i, 1]),
                demands=dems,
                outputs=outputs[i],
                note=f"synthetic {sector} firm in cluster {int(cluster_of[i])} (generate_park n={n_firms} seed={seed})",
            )
        )
    description = (
        f"Synthetic eco-industrial park: {n_firms} firms in {n_clusters} clusters on a {side:g} km square, "
        f"seed {seed}; sector profiles and matching rules in simulation/generator.py."
    )
    return Park(f"synthetic-{n_firms}-seed{seed}", firms, exchanges, None, description)
