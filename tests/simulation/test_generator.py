"""Synthetic parks: determinism, physical rules, scaling, sector mix."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from bois.types import EnergyForm
from simulation.generator import (
    ANCHOR_WEIGHTS,
    FIRMS_PER_CLUSTER,
    SECTOR_PROFILES,
    SECTOR_WEIGHTS,
    default_area_km,
    generate_park,
)
from simulation.io import load_park, park_to_dict, save_park
from simulation.network import MAX_EXCHANGE_DISTANCE_KM, SECTORS, Park


def check_rules(park: Park) -> None:
    """Distance limits, temperatures, spare left, demands only where useful."""
    for e in park.exchanges():
        assert park.distance_km(e.supplier, e.consumer) <= MAX_EXCHANGE_DISTANCE_KM[e.form] + 1e-9
        out = park.firm(e.supplier).outputs[e.form]
        dem = park.firm(e.consumer).demands[e.form]
        assert out.temperature_c >= dem.min_temperature_c
        assert e.mw >= 0.05
    for fid, f in park.firms.items():
        for form, o in f.outputs.items():
            # every output keeps at least 10% spare (sold <= 90%)
            assert park.contracted_out(fid, form) <= 0.9 * o.mw + 1e-9
        for form, d in f.demands.items():
            # served by symbiosis, or a compatible supplier with spare is in range
            if park.symbiotic_supply(fid, form) == 0:
                assert any(
                    g != fid and form in park.firm(g).outputs
                    and park.firm(g).outputs[form].temperature_c >= d.min_temperature_c
                    and park.distance_km(g, fid) <= MAX_EXCHANGE_DISTANCE_KM[form]
                    and park.spare(g, form) > 0
                    for g in park.firms
                )


def test_same_seed_same_park() -> None:
    a, b = generate_park(200, 42), generate_park(200, 42)
    assert park_to_dict(a) == park_to_dict(b)
    assert park_to_dict(generate_park(200, 43)) != park_to_dict(a)


def test_does_not_touch_global_randomness() -> None:
    import random

    random.seed(1)
    np.random.seed(1)
    r, n = random.random(), np.random.random()
    random.seed(1)
    np.random.seed(1)
    generate_park(50, 3)
    assert random.random() == r and np.random.random() == n


@pytest.mark.parametrize("n", [10, 100, 1000])
def test_sizes_and_rules(n: int) -> None:
    park = generate_park(n, 7)
    assert len(park) == n
    assert len(list(park.exchanges())) > 0
    check_rules(park)
    xs = [f.x_km for f in park.firms.values()]
    ys = [f.y_km for f in park.firms.values()]
    side = default_area_km(n)
    assert 0 <= min(xs) and max(xs) <= side + 1e-9 and 0 <= min(ys) and max(ys) <= side + 1e-9


def test_default_area_grows_with_n() -> None:
    assert default_area_km(10) == pytest.approx(4.743, abs=1e-3)  # 1.5 * sqrt(10)
    assert default_area_km(10_000) == pytest.approx(150.0)


def test_area_override() -> None:
    park = generate_park(100, 1, area_km=20.0)
    assert max(max(f.x_km, f.y_km) for f in park.firms.values()) <= 20.0
    assert "20 km square" in park.description


def test_many_seeds_small_parks_always_validate() -> None:
    for seed in range(30):
        check_rules(generate_park(10, seed))


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        generate_park(0, 1)
    with pytest.raises(ValueError):
        generate_park(10, 1, area_km=-1)


def test_sector_mix() -> None:
    park = generate_park(5000, 11)
    counts = Counter(f.sector for f in park.firms.values())
    assert set(counts) <= set(SECTORS)
    n_clusters = round(5000 / FIRMS_PER_CLUSTER)  # 200 anchors
    total_w = sum(SECTOR_WEIGHTS.values())
    for sector, w in SECTOR_WEIGHTS.items():
        expected = (5000 - n_clusters) * w / total_w + n_clusters * ANCHOR_WEIGHTS.get(sector, 0.0)
        # binomial noise: 5 sigma
        sigma = (expected * (1 - expected / 5000)) ** 0.5
        assert abs(counts[sector] - expected) < 5 * sigma + 5, (sector, counts[sector], expected)
    assert counts["manufacturing"] > counts["food"] > counts["refinery"]


def test_sector_profiles_shape_the_firms() -> None:
    park = generate_park(2000, 5)
    for f in park.firms.values():
        prof = SECTOR_PROFILES[f.sector]
        allowed_out = {s.form: s for s in prof.outputs}
        allowed_dem = {s.form: s for s in prof.demands}
        for form, o in f.outputs.items():
            spec = allowed_out[form]
            assert spec.mw[0] - 0.05 <= o.mw <= spec.mw[1] + 0.05
            assert spec.temp[0] <= o.temperature_c <= spec.temp[1]
        for form, d in f.demands.items():
            spec = allowed_dem[form]
            assert spec.mw[0] - 0.05 <= d.mw <= spec.mw[1] + 0.05
            assert spec.temp[0] <= d.min_temperature_c <= spec.temp[1]
    power = [f for f in park.firms.values() if f.sector == "power"]
    assert power and all(EnergyForm.STEAM in f.outputs and 200 <= f.outputs[EnergyForm.STEAM].temperature_c <= 540 for f in power)
    dcs = [f for f in park.firms.values() if f.sector == "data_center"]
    assert dcs and all(25 <= f.outputs[EnergyForm.WASTE_HEAT].temperature_c <= 35 for f in dcs)


def test_generated_park_round_trips(tmp_path) -> None:  # type: ignore[no-untyped-def]
    park = generate_park(300, 9)
    for target in ("g.json", "g.graphml", "gcsv"):
        save_park(park, tmp_path / target)
        again = load_park(tmp_path / target)
        assert again.firms == park.firms
        assert set(again.exchanges()) == set(park.exchanges())


def test_ten_thousand_firms() -> None:
    """Scale check of the rules at the largest supported size (timing is in scripts/benchmark.py)."""
    park = generate_park(10_000, 2024)
    assert len(park) == 10_000
    assert len(list(park.exchanges())) > 10_000
    # spot-check the rules on a sample of exchanges
    for i, e in enumerate(park.exchanges()):
        if i % 50 == 0:
            assert park.distance_km(e.supplier, e.consumer) <= MAX_EXCHANGE_DISTANCE_KM[e.form] + 1e-9
            assert park.firm(e.supplier).outputs[e.form].temperature_c >= park.firm(e.consumer).demands[e.form].min_temperature_c
