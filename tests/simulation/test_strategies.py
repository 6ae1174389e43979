"""Both recovery strategies on a small park whose outcome can be worked out by hand."""

from __future__ import annotations

import pytest

from bois.memory import MemoryPlatform
from bois.types import AgreementState
from bois.types import EnergyForm as E
from simulation.disruptions import Scenario
from simulation.model import ParkModel
from simulation.network import Demand, Exchange, FirmSpec, Output, Park
from simulation.runner import simulate_scenario
from simulation.strategies import CONNECTION_DELAY_STEPS, BoisStrategy, BusinessAsUsual, RecoveryParams


def park() -> Park:
    """A --steam 10--> B --gas 5--> C; D (1 km from B, no exchanges) has 12 MW spare steam;
    E is a partner's partner of B with 4 MW spare steam, 1.4 km from B."""
    firms = [
        FirmSpec("A", "Power", "power", 0, 0, {}, {E.STEAM: Output(15, 200)}),
        FirmSpec("B", "Refinery", "refinery", 1, 0, {E.STEAM: Demand(20, 150)}, {E.FUEL_GAS: Output(8)}),
        FirmSpec("C", "Plasterboard", "building_materials", 2, 0, {E.FUEL_GAS: Demand(5)}, {E.STEAM: Output(4, 160)}),
        FirmSpec("D", "Boiler", "utility", 1, 1, {}, {E.STEAM: Output(12, 180)}),
        FirmSpec("E", "Far boiler", "utility", 1, 9, {}, {E.STEAM: Output(12, 180)}),
    ]
    ex = [Exchange("A", "B", E.STEAM, 10), Exchange("B", "C", E.FUEL_GAS, 5)]
    return Park("toy", firms, ex, backups={})


SCENARIO = Scenario("a-down", "list", ("A",), t0=5, duration=100)
HORIZON = 150


def test_bau_only_finds_firms_within_its_information_reach() -> None:
    m = ParkModel(park())
    bau = BusinessAsUsual()
    bau.prepare(m)
    assert bau.reach("B") == {"A", "C"}  # D and E share no exchange with anyone
    r = simulate_scenario(m, SCENARIO, bau, HORIZON)
    steam = [lk for lk, _ in r.links if lk.form == E.STEAM]
    # C (partner) has 4 MW spare steam, D is unknown to B under BAU
    assert [(lk.supplier, lk.consumer, lk.mw) for lk in steam] == [("C", "B", 4.0)]
    p = RecoveryParams()
    assert steam[0].start_step == 5 + p.bau_search_steps + p.bau_negotiation_steps + CONNECTION_DELAY_STEPS[E.STEAM]
    assert r.metrics["transactions"] == 0


def test_bois_finds_the_nearest_offer_and_links_equal_agreements() -> None:
    m = ParkModel(park())
    platform = MemoryPlatform()
    bois = BoisStrategy(platform)
    bois.prepare(m)
    r = simulate_scenario(m, SCENARIO, bois, HORIZON)
    steam = [lk for lk, _ in r.links if lk.form == E.STEAM]
    # Offers are ranked by delivered cost, then distance, then offer id. C and D are both
    # 1 km from B (same cost); C's offer (id 3: A=1, B=2, C=3, D=4) comes first and has
    # 4 MW; D's covers the remaining 6 MW. E is 9 km away, beyond the 5 km steam limit.
    assert [(lk.supplier, lk.consumer, lk.mw) for lk in steam] == [("C", "B", 4.0), ("D", "B", 6.0)]
    start = 5 + RecoveryParams().bois_agreement_steps + CONNECTION_DELAY_STEPS[E.STEAM]
    assert all(lk.start_step == start for lk in steam)
    # every link is an agreement on the platform, with the same quantity, ended at recovery
    for lk, end in r.links:
        a = platform.agreement(lk.agreement_id)
        assert a.quantity == round(lk.mw * 1000)
        assert a.state == AgreementState.TERMINATED
        assert end == SCENARIO.t0 + SCENARIO.duration
    # recovered 95% of service once the steam flows
    assert r.metrics["recovery_time_h"] == pytest.approx(start - 5)


def test_bois_recovers_faster_and_loses_less_than_bau() -> None:
    m = ParkModel(park())
    bau, bois = BusinessAsUsual(), BoisStrategy(MemoryPlatform())
    bau.prepare(m)
    bois.prepare(m)
    rb = simulate_scenario(m, SCENARIO, bau, HORIZON).metrics
    ro = simulate_scenario(m, SCENARIO, bois, HORIZON).metrics
    assert ro["resilience_loss"] < rb["resilience_loss"]
    assert ro["unmet_mwh"] < rb["unmet_mwh"]
    assert rb["robustness"] == ro["robustness"]  # the first hour hits both alike


def test_scenarios_are_independent_and_deterministic() -> None:
    m = ParkModel(park())
    bois = BoisStrategy(MemoryPlatform())
    bois.prepare(m)
    first = simulate_scenario(m, SCENARIO, bois, HORIZON)
    simulate_scenario(m, Scenario("c-down", "list", ("C",), 3, 20), bois, HORIZON)
    again = simulate_scenario(m, SCENARIO, bois, HORIZON)
    assert first.metrics == again.metrics
    assert first.timeseries == again.timeseries
    assert [lk for lk, _ in first.links] == [lk for lk, _ in again.links]


def test_disrupted_firm_does_not_seek_and_recovery_ends_links() -> None:
    m = ParkModel(park())
    bois = BoisStrategy(MemoryPlatform())
    bois.prepare(m)
    r = simulate_scenario(m, Scenario("b-down", "list", ("B",), 2, 10), bois, 30)
    assert all(lk.consumer != "B" for lk, _ in r.links)
    assert r.timeseries[-1]["served_fraction"] == 1.0
    assert bois.live_links_on_chain() == []
