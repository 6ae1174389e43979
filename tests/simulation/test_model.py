"""The cascade rule and the per-step quantities on small hand-computed networks."""

from __future__ import annotations

import numpy as np
import pytest

from bois.types import EnergyForm as E
from simulation.model import Link, ParkModel
from simulation.network import BackupSpec, Demand, Exchange, FirmSpec, Output, Park


def chain_park(backups: dict[E, BackupSpec] | None = None) -> Park:
    """A --steam 10--> B --gas 5--> C. B needs 20 MW steam (10 from A, 10 from a utility)."""
    firms = [
        FirmSpec("A", "Power", "power", 0, 0, {}, {E.STEAM: Output(15, 200)}),
        FirmSpec("B", "Refinery", "refinery", 1, 0, {E.STEAM: Demand(20, 150)}, {E.FUEL_GAS: Output(8)}),
        FirmSpec("C", "Plasterboard", "building_materials", 2, 0, {E.FUEL_GAS: Demand(5)}, {}),
    ]
    ex = [Exchange("A", "B", E.STEAM, 10), Exchange("B", "C", E.FUEL_GAS, 5)]
    return Park("chain", firms, ex, backups=backups if backups is not None else {})


def no_backup(m: ParkModel) -> np.ndarray:
    return np.zeros(len(m.D), dtype=bool)


def test_baseline_everyone_at_full_level() -> None:
    m = ParkModel(chain_park())
    s = m.solve(np.ones(3), [], no_backup(m))
    assert s.level.tolist() == [1.0, 1.0, 1.0]
    assert s.served_fraction == 1.0 and s.unmet_mw == 0.0


def test_full_outage_cascades_two_levels() -> None:
    m = ParkModel(chain_park())
    s = m.solve(np.array([0.0, 1.0, 1.0]), [], no_backup(m))
    # B: (10 utility + 0) / 20 = 0.5; B's gas 0.5 * 8 = 4 MW; C: 4 / 5 = 0.8
    assert s.level.tolist() == pytest.approx([0.0, 0.5, 0.8])
    # P = (0 + 4) / (10 + 5); unmet = 10 + 1
    assert s.served_fraction == pytest.approx(4 / 15)
    assert s.unmet_mw == pytest.approx(11.0)


def test_partial_outage_shares_output_over_contracts() -> None:
    m = ParkModel(chain_park())
    s = m.solve(np.array([0.5, 1.0, 1.0]), [], no_backup(m))
    # A makes 7.5 MW for a 10 MW contract; B: (10 + 7.5) / 20 = 0.875; gas 7 MW >= 5 contracted
    assert s.level.tolist() == pytest.approx([0.5, 0.875, 1.0])
    assert s.served_fraction == pytest.approx(12.5 / 15)


def test_backup_limits_the_cascade_up_to_its_share() -> None:
    backups = {E.STEAM: BackupSpec(E.STEAM, 0.5, 0, 80.0, 0.2)}
    m = ParkModel(chain_park(backups))
    allowed = np.ones(len(m.D), dtype=bool)
    s = m.solve(np.array([0.0, 1.0, 1.0]), [], allowed)
    # backup replaces at most 0.5 * 10 MW: B at (10 + 5) / 20 = 0.75, gas 6 MW, C full
    assert s.level.tolist() == pytest.approx([0.0, 0.75, 1.0])
    assert s.backup_mw == pytest.approx(5.0)
    assert s.backup_cost_eur_h == pytest.approx(400.0)
    assert s.backup_co2_t_h == pytest.approx(1.0)
    # backup is not symbiotic: P counts only exchanges
    assert s.served_fraction == pytest.approx(5 / 15)
    assert s.unmet_mw == pytest.approx(5.0)


def test_substitute_link_restores_supply() -> None:
    m = ParkModel(chain_park())
    # D has spare steam and stands in for A
    park = chain_park()
    firms = list(park.firms.values()) + [FirmSpec("D", "Boiler", "utility", 0, 1, {}, {E.STEAM: Output(12, 180)})]
    park2 = Park("chain+", firms, list(park.exchanges()), backups={})
    m = ParkModel(park2)
    s = m.solve(np.array([0.0, 1.0, 1.0, 1.0]), [Link("D", "B", E.STEAM, 10.0, 0)], no_backup(m))
    assert s.level.tolist() == pytest.approx([0.0, 1.0, 1.0, 1.0])
    assert s.served_fraction == pytest.approx(1.0)
    assert s.substitute_mw == pytest.approx(10.0)


def test_cycle_converges_to_greatest_fixed_point() -> None:
    # X and Y feed each other; each needs 10 MW of the other's output, 5 from utilities
    firms = [
        FirmSpec("X", "X", "chemicals", 0, 0, {E.STEAM: Demand(10)}, {E.FUEL_GAS: Output(5)}),
        FirmSpec("Y", "Y", "refinery", 1, 0, {E.FUEL_GAS: Demand(10)}, {E.STEAM: Output(5)}),
        FirmSpec("Z", "Z", "power", 2, 0, {}, {E.STEAM: Output(10)}),
    ]
    ex = [Exchange("X", "Y", E.FUEL_GAS, 5), Exchange("Y", "X", E.STEAM, 5)]
    m = ParkModel(Park("cycle", firms, ex, backups={}))
    s = m.solve(np.array([0.5, 1.0, 1.0]), [], no_backup(m))
    # X capped at 0.5 -> gas 2.5 -> Y: (5 + 2.5)/10 = 0.75 -> steam 3.75 -> X: (5+3.75)/10 = 0.875 > 0.5
    assert s.level.tolist() == pytest.approx([0.5, 0.75, 1.0])
