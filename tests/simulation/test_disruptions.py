from __future__ import annotations

import pytest

from bois.types import EnergyForm as E
from simulation.disruptions import Scenario, build_scenarios, monte_carlo, rank_firms, sweep, targeted
from simulation.network import Demand, Exchange, FirmSpec, Output, Park


def star() -> Park:
    """Hub H supplies steam to S1..S3; S1 also sells gas to S2."""
    firms = [FirmSpec("H", "Hub", "power", 0, 0, {}, {E.STEAM: Output(30, 200)})]
    for i in (1, 2, 3):
        firms.append(
            FirmSpec(f"S{i}", f"S{i}", "food", i, 0, {E.STEAM: Demand(10), E.FUEL_GAS: Demand(4)}, {E.FUEL_GAS: Output(4)})
        )
    ex = [Exchange("H", f"S{i}", E.STEAM, 8) for i in (1, 2, 3)] + [Exchange("S1", "S2", E.FUEL_GAS, 3)]
    return Park("star", firms, ex)


def test_sweep_disrupts_every_firm_once() -> None:
    sc = sweep(star(), 5, 10)
    assert [s.disrupted for s in sc] == [("H",), ("S1",), ("S2",), ("S3",)]
    assert all(s.kind == "sweep" and s.t0 == 5 and s.duration == 10 for s in sc)


def test_monte_carlo_is_seeded() -> None:
    a = monte_carlo(star(), 2, 5, seed=7, t0=2, duration=3)
    b = monte_carlo(star(), 2, 5, seed=7, t0=2, duration=3)
    c = monte_carlo(star(), 2, 5, seed=8, t0=2, duration=3)
    assert a == b and a != c
    assert all(len(set(s.disrupted)) == 2 for s in a)


def test_rankings() -> None:
    p = star()
    assert rank_firms(p, "degree")[:2] == ["H", "S1"]  # H: 3 links, S1: 2, S2: 2 (tie by id)
    assert rank_firms(p, "throughput") == ["H", "S1", "S2", "S3"]  # 24, 11, 11, 8 MW
    assert rank_firms(p, "betweenness")[0] == "H"
    t = targeted(p, 2, 1, 5)
    assert [s.scenario_id for s in t][:2] == ["targeted-degree-k1", "targeted-degree-k2"]
    assert t[1].disrupted == ("H", "S1")


def test_bad_inputs_name_the_problem() -> None:
    p = star()
    with pytest.raises(ValueError, match="unknown firm id.*'X'"):
        build_scenarios(p, "list", t0=1, duration=1, groups=[["H", "X"]])
    with pytest.raises(ValueError, match="k must be between 1 and"):
        monte_carlo(p, 9, 1, 0, 1, 1)
    with pytest.raises(ValueError, match="unknown scenario set 'nope'"):
        build_scenarios(p, "nope", t0=1, duration=1)
    with pytest.raises(ValueError, match="fraction must be in"):
        Scenario("x", "list", ("H",), 1, 1, fraction=0.0)
    with pytest.raises(ValueError, match="t0 must be >= 1"):
        Scenario("x", "list", ("H",), 0, 1)
