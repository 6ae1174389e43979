"""Disruption scenarios: which firms fail, when, for how long, and how badly.

Scenario sets:

* ``sweep``: every firm once, alone (the systematic sweep; gives the criticality ranking);
* ``random``: ``count`` scenarios of ``k`` distinct random firms each (Monte Carlo; the
  only randomness is one ``random.Random(seed)`` created here);
* ``targeted``: attacks on the ``1..k`` firms ranked highest by ``degree``,
  ``betweenness`` (on the undirected exchange graph) or energy ``throughput`` (MW in + out);
* ``list``: user-given groups of firm ids, one scenario per group.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Iterable, Sequence

import networkx as nx

from .network import Park

SCENARIO_SETS = ("sweep", "random", "targeted", "list")
TARGET_METRICS = ("degree", "betweenness", "throughput")


@dataclass(frozen=True)
class Scenario:
    scenario_id: str
    kind: str
    disrupted: tuple[str, ...]
    t0: int
    duration: int
    fraction: float = 1.0  # share of capacity lost (1.0 = full outage)

    def __post_init__(self) -> None:
        if not self.disrupted:
            raise ValueError(f"scenario {self.scenario_id!r}: no firm to disrupt")
        if self.t0 < 1:
            raise ValueError(f"scenario {self.scenario_id!r}: t0 must be >= 1 (a pre-disruption step), got {self.t0}")
        if self.duration < 1:
            raise ValueError(f"scenario {self.scenario_id!r}: duration must be >= 1 step, got {self.duration}")
        if not 0.0 < self.fraction <= 1.0:
            raise ValueError(f"scenario {self.scenario_id!r}: fraction must be in (0, 1], got {self.fraction}")


def _check_firms(park: Park, firms: Iterable[str], where: str) -> tuple[str, ...]:
    out = tuple(firms)
    unknown = [f for f in out if f not in park.firms]
    if unknown:
        raise ValueError(f"{where}: unknown firm id(s) {', '.join(map(repr, unknown))}; known: {', '.join(sorted(park.firms))}")
    if len(set(out)) != len(out):
        raise ValueError(f"{where}: a firm is listed twice in {list(out)}")
    return out


def sweep(park: Park, t0: int, duration: int, fraction: float = 1.0) -> list[Scenario]:
    return [Scenario(f"sweep-{fid}", "sweep", (fid,), t0, duration, fraction) for fid in sorted(park.firms)]


def monte_carlo(
    park: Park, k: int, count: int, seed: int, t0: int, duration: int, fraction: float = 1.0
) -> list[Scenario]:
    ids = sorted(park.firms)
    if not 1 <= k <= len(ids):
        raise ValueError(f"random scenarios: k must be between 1 and the number of firms ({len(ids)}), got {k}")
    if count < 1:
        raise ValueError(f"random scenarios: count must be >= 1, got {count}")
    rng = random.Random(seed)
    width = len(str(count))
    return [
        Scenario(f"random-{i + 1:0{width}d}", "random", tuple(sorted(rng.sample(ids, k))), t0, duration, fraction)
        for i in range(count)
    ]


def rank_firms(park: Park, metric: str) -> list[str]:
    """Firm ids from most to least central by ``metric`` (ties broken by id)."""
    g = nx.Graph(park.graph.to_undirected())
    if metric == "degree":
        score = {n: float(park.graph.in_degree(n) + park.graph.out_degree(n)) for n in park.graph.nodes}
    elif metric == "betweenness":
        score = nx.betweenness_centrality(g, normalized=True) if g.number_of_nodes() <= 2000 else nx.betweenness_centrality(
            g, k=min(500, g.number_of_nodes()), normalized=True, seed=0
        )
    elif metric == "throughput":
        score = {n: 0.0 for n in park.graph.nodes}
        for ex in park.exchanges():
            score[ex.supplier] += ex.mw
            score[ex.consumer] += ex.mw
    else:
        raise ValueError(f"unknown target metric {metric!r}; known: {', '.join(TARGET_METRICS)}")
    return sorted(park.firms, key=lambda n: (-score.get(n, 0.0), n))


def targeted(
    park: Park, k: int, t0: int, duration: int, fraction: float = 1.0, metrics: Sequence[str] = TARGET_METRICS
) -> list[Scenario]:
    if not 1 <= k <= len(park.firms):
        raise ValueError(f"targeted scenarios: k must be between 1 and the number of firms ({len(park.firms)}), got {k}")
    out: list[Scenario] = []
    for m in metrics:
        ranked = rank_firms(park, m)
        for j in range(1, k + 1):
            out.append(Scenario(f"targeted-{m}-k{j}", "targeted", tuple(sorted(ranked[:j])), t0, duration, fraction))
    return out


def from_lists(park: Park, groups: Sequence[Sequence[str]], t0: int, duration: int, fraction: float = 1.0) -> list[Scenario]:
    out = []
    for i, group in enumerate(groups):
        firms = _check_firms(park, group, f"scenario list entry {i + 1}")
        out.append(Scenario(f"list-{i + 1}-{'+'.join(firms)}", "list", tuple(sorted(firms)), t0, duration, fraction))
    if not out:
        raise ValueError("scenario list is empty: give at least one group of firm ids")
    return out


def build_scenarios(
    park: Park,
    kind: str,
    *,
    t0: int,
    duration: int,
    fraction: float = 1.0,
    k: int = 1,
    count: int = 20,
    seed: int = 0,
    groups: Sequence[Sequence[str]] = (),
) -> list[Scenario]:
    if kind == "sweep":
        return sweep(park, t0, duration, fraction)
    if kind == "random":
        return monte_carlo(park, k, count, seed, t0, duration, fraction)
    if kind == "targeted":
        return targeted(park, k, t0, duration, fraction)
    if kind == "list":
        return from_lists(park, groups, t0, duration, fraction)
    raise ValueError(f"unknown scenario set {kind!r}; known: {', '.join(SCENARIO_SETS)}")
