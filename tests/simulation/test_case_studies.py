"""The Kalundborg case study: loads, is documented, respects the model's physical limits."""

from __future__ import annotations

import json

import pytest

from bois.types import EnergyForm
from simulation.case_studies import CASE_STUDIES, case_study_path, load_case_study
from simulation.network import MAX_EXCHANGE_DISTANCE_KM, Park

S, DH, WH, FG, BG, CW = (EnergyForm.STEAM, EnergyForm.DISTRICT_HEAT, EnergyForm.WASTE_HEAT,
                         EnergyForm.FUEL_GAS, EnergyForm.BIOGAS, EnergyForm.COOLING_WATER)


@pytest.fixture(scope="module")
def park() -> Park:
    return load_case_study("kalundborg")


def test_listed_and_unknown_names() -> None:
    assert CASE_STUDIES == ["kalundborg"]
    assert load_case_study("Kalundborg").name == "kalundborg"
    with pytest.raises(ValueError, match="unknown case study 'atlantis'; known: kalundborg"):
        load_case_study("atlantis")


def test_size_and_members(park: Park) -> None:
    assert 10 <= len(park) <= 12
    for fid in ("asnaes", "equinor", "novo_nordisk", "novozymes", "gyproc", "fish_farm",
                "kalundborg_bioenergi", "forsyning_heatpump", "kalundborg_dh"):
        assert fid in park.firms
    assert len(list(park.exchanges())) == 14


def test_every_firm_and_exchange_has_a_note_and_the_park_cites_sources(park: Park) -> None:
    for f in park.firms.values():
        assert len(f.note) > 40, f.firm_id
    for e in park.exchanges():
        assert len(e.note) > 20, (e.supplier, e.consumer)
    for src in ("Jacobsen", "Ehrenfeld", "Chertow", "symbiosis.dk"):
        assert src in park.description
    raw = json.loads(case_study_path("kalundborg").read_text())
    assert all(b["note"] for b in raw["backups"])


def test_exchanges_respect_distance_and_temperature(park: Park) -> None:
    for e in park.exchanges():
        assert park.distance_km(e.supplier, e.consumer) <= MAX_EXCHANGE_DISTANCE_KM[e.form]
        out = park.firm(e.supplier).outputs[e.form]
        dem = park.firm(e.consumer).demands[e.form]
        assert out.temperature_c >= dem.min_temperature_c, (e.supplier, e.consumer)


def test_sites_within_3_km_and_town_beyond(park: Park) -> None:
    industrial = [f for f in park.firms if f != "kalundborg_dh"]
    assert max(park.distance_km(a, b) for a in industrial for b in industrial) < 4.0
    assert 1.5 < park.distance_km("novo_nordisk", "kalundborg_dh") < 3.0


def test_hand_computed_streams(park: Park) -> None:
    # biogas: 8e6 m3/yr x 6.5 kWh/m3 = 52,000 MWh/yr / 8760 h = 5.94 MW
    assert park.firm("kalundborg_bioenergi").outputs[BG].mw == pytest.approx(8e6 * 6.5 / 1000 / 8760, abs=0.05)
    # heat pump: 80,000 MWh/yr / 8760 = 9.13 MW of district heat
    assert park.contracted_out("forsyning_heatpump", DH) == pytest.approx(80_000 / 8760, abs=0.05)
    # treated wastewater: 6e6 m3 x 4.186 MJ/(m3 K) x 10 K / 3600 / 8760 = 7.96 MW
    assert park.firm("forsyning_wwtp").outputs[WH].mw == pytest.approx(6e6 * 4.186 * 10 / 3600 / 8760, abs=0.05)
    # heat pump source at COP 3: 80,000 x 2/3 / 8760 = 6.09 MW
    assert park.symbiotic_supply("forsyning_heatpump", WH) == pytest.approx(80_000 * 2 / 3 / 8760, abs=0.05)
    # town: heat pump covers ~32% ("over 30%") of 28.5 MW, Asnaes the rest
    assert park.symbiotic_supply("kalundborg_dh", DH) == pytest.approx(28.5)
    assert 0.30 < park.contracted_out("forsyning_heatpump", DH) / 28.5 < 0.35
    # Asnaes steam: 12 (Equinor) + 18 (Novo Nordisk) + 10 (Novozymes) = 40 of 50 MW
    assert park.contracted_out("asnaes", S) == pytest.approx(40.0)
    assert park.spare("asnaes", S) == pytest.approx(10.0)
    # Asnaes heat outputs fit the 129 MW heat capacity of the wood-chip unit
    a = park.firm("asnaes").outputs
    assert a[S].mw + a[DH].mw <= 129
    assert a[EnergyForm.ELECTRICITY].mw == 25.0


def test_every_supplier_keeps_some_spare(park: Park) -> None:
    for fid, f in park.firms.items():
        for form in f.outputs:
            assert park.spare(fid, form) > 0, (fid, form)


def test_power_station_outage_cascades(park: Park) -> None:
    """Asnaes down -> refinery loses 12 of 30 MW steam (level <= 60%) -> fuel gas to
    Gyproc (an output of the refinery) shrinks; Novo loses all its steam -> the wastewater
    heat chain to the heat pump and the town weakens."""
    assert park.symbiotic_supply("equinor", S) / park.firm("equinor").demands[S].mw == pytest.approx(0.4)
    assert park.graph.has_edge("equinor", "gyproc", key=FG)
    assert park.symbiotic_supply("novo_nordisk", S) == park.firm("novo_nordisk").demands[S].mw
    assert park.graph.has_edge("novo_nordisk", "forsyning_wwtp", key=WH)
    assert park.graph.has_edge("forsyning_wwtp", "forsyning_heatpump", key=WH)
    assert park.graph.has_edge("forsyning_heatpump", "kalundborg_dh", key=DH)
    # feedback: the refinery also feeds Asnaes (fuel gas, cooling water)
    assert park.symbiotic_supply("asnaes", FG) == 3.0 and park.symbiotic_supply("asnaes", CW) == 1.5


def _compatible_spare(park: Park, consumer: str, form: EnergyForm, exclude: str) -> float:
    dem = park.firm(consumer).demands[form]
    total = 0.0
    for fid, f in park.firms.items():
        out = f.outputs.get(form)
        if fid in (consumer, exclude) or out is None or out.temperature_c < dem.min_temperature_c:
            continue
        if park.distance_km(fid, consumer) <= MAX_EXCHANGE_DISTANCE_KM[form]:
            total += park.spare(fid, form)
    return total


def test_alternatives_exist_for_some_streams_but_not_all(park: Park) -> None:
    # with Asnaes out: the town can get heat-pump spare, the fish farm Novo's warm water
    assert _compatible_spare(park, "kalundborg_dh", DH, exclude="asnaes") == pytest.approx(2.9)
    assert _compatible_spare(park, "fish_farm", WH, exclude="asnaes") == pytest.approx(15.2 + 8.8)
    # ...the 24.5 C treated wastewater is too cold for the fish farm (min 25 C)
    assert park.firm("forsyning_wwtp").outputs[WH].temperature_c < park.firm("fish_farm").demands[WH].min_temperature_c
    # but nobody else has steam: refinery and Novo depend on backup boilers only
    for consumer in ("equinor", "novo_nordisk", "novozymes"):
        assert _compatible_spare(park, consumer, S, exclude="asnaes") == 0.0
    # and only the refinery makes fuel gas
    assert _compatible_spare(park, "gyproc", FG, exclude="equinor") == 0.0
    # biogas: Bioenergi's grid injection is spare the consumers could redirect
    assert park.spare("kalundborg_bioenergi", BG) == pytest.approx(2.9)
