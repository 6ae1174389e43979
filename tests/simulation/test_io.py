"""Park files: JSON / GraphML / CSV round trips and every validation error."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any, Callable

import pytest

from bois.types import EnergyForm
from simulation.io import FORMAT_TAG, ParkFileError, load_park, park_to_dict, save_park
from simulation.network import BackupSpec, Demand, Exchange, FirmSpec, Output, Park, default_backups


def small_doc() -> dict[str, Any]:
    """A 3-firm park: plant -> steam -> mill, plant -> fuel gas -> board maker."""
    return {
        "format": FORMAT_TAG,
        "name": "tiny",
        "description": "three firms",
        "firms": [
            {"id": "plant", "name": "Plant", "sector": "power", "x_km": 0, "y_km": 0,
             "outputs": {"steam": {"mw": 10, "temperature_c": 250}, "fuel_gas": 4}, "note": "n1"},
            {"id": "mill", "name": "Mill", "sector": "paper", "x_km": 1.5, "y_km": 2.0,
             "demands": {"steam": {"mw": 8, "min_temperature_c": 180}}},
            {"id": "board", "name": "Board", "sector": "building_materials", "x_km": 3, "y_km": 4,
             "demands": {"fuel_gas": {"mw": 5}}},
        ],
        "exchanges": [
            {"supplier": "plant", "consumer": "mill", "form": "steam", "mw": 6, "note": "pipe"},
            {"supplier": "plant", "consumer": "board", "form": "fuel_gas", "mw": 3},
        ],
    }


def write_doc(tmp_path: Path, doc: Any, name: str = "park.json") -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(doc), encoding="utf-8")
    return p


def load_error(tmp_path: Path, doc: Any, name: str = "park.json") -> str:
    with pytest.raises(ParkFileError) as ei:
        load_park(write_doc(tmp_path, doc, name))
    return str(ei.value)


def mutated(fn: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    doc = small_doc()
    fn(doc)
    return doc


def assert_same_park(a: Park, b: Park) -> None:
    assert a.name == b.name
    assert a.description == b.description
    assert a.firms == b.firms
    assert set(a.exchanges()) == set(b.exchanges())
    assert a.backups == b.backups


# ----------------------------------------------------------------------------- loading
def test_small_json_loads_with_hand_computed_balances(tmp_path: Path) -> None:
    park = load_park(write_doc(tmp_path, small_doc()))
    assert len(park) == 3
    assert park.firm("plant").outputs[EnergyForm.FUEL_GAS] == Output(4.0, 0.0)  # bare number
    assert park.firm("mill").demands[EnergyForm.STEAM] == Demand(8.0, 180.0)
    assert park.firm("board").demands[EnergyForm.FUEL_GAS] == Demand(5.0, 0.0)  # no temperature
    assert park.spare("plant", EnergyForm.STEAM) == 4.0  # 10 - 6
    assert park.spare("plant", EnergyForm.FUEL_GAS) == 1.0  # 4 - 3
    assert park.total_symbiotic_mw() == 9.0
    assert park.distance_km("plant", "mill") == 2.5  # 1.5-2-2.5 triangle
    assert park.backups == default_backups()  # no "backups" -> defaults
    assert park.firm("plant").note == "n1"


def test_backups_override_defaults_form_by_form(tmp_path: Path) -> None:
    doc = small_doc()
    doc["backups"] = [{"form": "steam", "max_share": 0.8, "delay_steps": 3, "cost_eur_per_mwh": 90,
                       "co2_t_per_mwh": 0.25, "note": "new boiler"}]
    park = load_park(write_doc(tmp_path, doc))
    assert park.backups[EnergyForm.STEAM] == BackupSpec(EnergyForm.STEAM, 0.8, 3, 90.0, 0.25, "new boiler")
    assert park.backups[EnergyForm.FUEL_GAS] == default_backups()[EnergyForm.FUEL_GAS]


def test_energy_form_aliases_accepted(tmp_path: Path) -> None:
    doc = small_doc()
    doc["firms"][2]["demands"] = {"Fuel-Gas": 5}
    doc["exchanges"][1]["form"] = "FUEL_GAS"
    park = load_park(write_doc(tmp_path, doc))
    assert park.symbiotic_supply("board", EnergyForm.FUEL_GAS) == 3.0


# ----------------------------------------------------------------------------- round trips
def rich_park() -> Park:
    firms = [
        FirmSpec("a", "Alpha Æ", "power", 0.0, 0.0, {EnergyForm.COOLING_WATER: Demand(2.5)},
                 {EnergyForm.STEAM: Output(12.25, 240.0), EnergyForm.DISTRICT_HEAT: Output(7.0, 90.0)}, "note, with comma"),
        FirmSpec("b", "Beta", "refinery", 1.0 / 3.0, 2.0, {EnergyForm.STEAM: Demand(9.0, 180.0)},
                 {EnergyForm.COOLING_WATER: Output(3.0, 25.0)}, 'quote " here'),
        FirmSpec("c", "Gamma", "municipality", -1.5, 0.1, {EnergyForm.DISTRICT_HEAT: Demand(5.0, 70.0)}, {}, ""),
    ]
    exchanges = [
        Exchange("a", "b", EnergyForm.STEAM, 8.1, "since 1982"),
        Exchange("b", "a", EnergyForm.COOLING_WATER, 2.0),
        Exchange("a", "c", EnergyForm.DISTRICT_HEAT, 4.999),
    ]
    backups = default_backups()
    backups[EnergyForm.STEAM] = BackupSpec(EnergyForm.STEAM, 0.25, 4, 80.5, 0.3, "tweaked")
    return Park("rich", firms, exchanges, backups, "a park\nwith two lines")


@pytest.mark.parametrize("target", ["p.json", "p.graphml", "csvdir", "csvdir2/firms.csv"])
def test_round_trip(tmp_path: Path, target: str) -> None:
    park = rich_park()
    path = tmp_path / target
    save_park(park, path)
    assert_same_park(load_park(path), park)


def test_round_trip_of_kalundborg_through_all_formats(tmp_path: Path) -> None:
    from simulation.case_studies import load_case_study

    park = load_case_study("kalundborg")
    for target in ("k.json", "k.graphml", "kalundborg"):
        save_park(park, tmp_path / target)
        assert_same_park(load_park(tmp_path / target), park)


def test_csv_files_and_columns(tmp_path: Path) -> None:
    save_park(rich_park(), tmp_path / "out")
    names = sorted(os.listdir(tmp_path / "out"))
    assert names == ["backups.csv", "exchanges.csv", "firms.csv", "park.csv"]
    header = (tmp_path / "out" / "firms.csv").read_text().splitlines()[0].split(",")
    assert header[:6] == ["id", "name", "sector", "x_km", "y_km", "note"]
    assert "demand_steam_mw" in header and "demand_steam_min_temperature_c" in header
    assert "output_steam_mw" in header and "output_steam_temperature_c" in header
    assert (tmp_path / "out" / "exchanges.csv").read_text().splitlines()[0] == "supplier,consumer,form,mw,note"


def test_csv_without_optional_files_uses_folder_name_and_defaults(tmp_path: Path) -> None:
    save_park(rich_park(), tmp_path / "mypark")
    (tmp_path / "mypark" / "park.csv").unlink()
    (tmp_path / "mypark" / "backups.csv").unlink()
    park = load_park(tmp_path / "mypark" / "firms.csv")
    assert park.name == "mypark"
    assert park.backups == default_backups()


def test_graphml_attributes(tmp_path: Path) -> None:
    import networkx as nx

    save_park(rich_park(), tmp_path / "p.graphml")
    g = nx.read_graphml(tmp_path / "p.graphml", edge_key_type=str, force_multigraph=True)
    assert g.nodes["b"]["demand_steam_mw"] == 9.0
    assert g.nodes["b"]["demand_steam_min_temperature_c"] == 180.0
    assert g.nodes["a"]["output_steam_temperature_c"] == 240.0
    assert g.edges["a", "b", "steam"]["mw"] == 8.1
    assert g.edges["a", "b", "steam"]["form"] == "steam"
    assert g.graph["format"] == FORMAT_TAG


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "p.json"
    save_park(rich_park(), path)
    before = path.read_text()

    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    other = Park("other", [FirmSpec("z", "Z", "food", 0, 0)], [])
    with pytest.raises(OSError):
        save_park(other, path)
    assert path.read_text() == before  # old file intact
    assert os.listdir(tmp_path) == ["p.json"]  # temp file removed


def test_save_unknown_extension(tmp_path: Path) -> None:
    with pytest.raises(ParkFileError, match=r"p\.yaml: unknown park file type"):
        save_park(rich_park(), tmp_path / "p.yaml")


# ----------------------------------------------------------------------------- JSON validation
CASES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    # the brief's example shape
    ("negative demand", lambda d: d["firms"][2]["demands"]["fuel_gas"].update(mw=-2),
     "park.json: firms[2] (id 'board'): demands.fuel_gas.mw: expected a positive number, got -2"),
    ("zero output (bare)", lambda d: d["firms"][0]["outputs"].update(fuel_gas=0),
     "park.json: firms[0] (id 'plant'): outputs.fuel_gas: expected a positive number, got 0"),
    ("missing firm field", lambda d: d["firms"][1].pop("sector"),
     "park.json: firms[1] (id 'mill'): sector: missing"),
    ("missing id", lambda d: d["firms"][1].pop("id"),
     "park.json: firms[1]: id: missing"),
    ("wrong type x", lambda d: d["firms"][1].update(x_km="1.5"),
     "park.json: firms[1] (id 'mill'): x_km: expected a number, got '1.5'"),
    ("bool is not a number", lambda d: d["firms"][1].update(y_km=True),
     "park.json: firms[1] (id 'mill'): y_km: expected a number, got true"),
    ("wrong type name", lambda d: d["firms"][1].update(name=7),
     "park.json: firms[1] (id 'mill'): name: expected a string, got 7"),
    ("demands not object", lambda d: d["firms"][1].update(demands=[1]),
     "park.json: firms[1] (id 'mill'): demands: expected an object mapping energy forms to MW, got a list"),
    ("unknown form", lambda d: d["firms"][1].update(demands={"stem": 8}),
     "park.json: firms[1] (id 'mill'): demands.stem: unknown energy form 'stem'; known: electricity, steam, "
     "district_heat, waste_heat, fuel_gas, biogas, cooling_water"),
    ("unknown sector", lambda d: d["firms"][1].update(sector="mining"),
     "park.json: firms[1] (id 'mill'): sector: unknown sector 'mining'; known: power, refinery"),
    ("unknown firm field", lambda d: d["firms"][1].update(demand={}),
     "park.json: firms[1] (id 'mill'): demand: unknown field; known: id, name, sector"),
    ("unknown flow field", lambda d: d["firms"][1]["demands"]["steam"].update(temperature_c=3),
     "park.json: firms[1] (id 'mill'): demands.steam.temperature_c: unknown field; known: mw, min_temperature_c"),
    ("flow without mw", lambda d: d["firms"][1]["demands"]["steam"].pop("mw"),
     "park.json: firms[1] (id 'mill'): demands.steam.mw: missing"),
    ("NaN", lambda d: d["firms"][0]["outputs"]["steam"].update(mw=float("nan")),
     "park.json: firms[0] (id 'plant'): outputs.steam.mw: expected a positive number, got nan (NaN and infinity are not allowed)"),
    ("infinity", lambda d: d["firms"][1].update(x_km=float("inf")),
     "park.json: firms[1] (id 'mill'): x_km: expected a number, got inf (NaN and infinity are not allowed)"),
    ("below absolute zero", lambda d: d["firms"][0]["outputs"]["steam"].update(temperature_c=-300),
     "park.json: firms[0] (id 'plant'): outputs.steam.temperature_c: expected a temperature >= -273.15 C, got -300"),
    ("firm not an object", lambda d: d["firms"].append("x"),
     "park.json: firms[3]: expected an object, got 'x'"),
    ("duplicate id", lambda d: d["firms"][2].update(id="mill"),
     "park.json: firms[2] (id 'mill'): id: duplicate firm id (first used by firms[1])"),
    ("same form twice", lambda d: d["firms"][1].update(demands={"steam": 8, "STEAM": 2}),
     "park.json: firms[1] (id 'mill'): demands.STEAM: steam given twice"),
    ("unknown supplier", lambda d: d["exchanges"][0].update(supplier="ghost"),
     "park.json: exchanges[0] (ghost->mill): supplier: unknown firm 'ghost'"),
    ("unknown consumer", lambda d: d["exchanges"][1].update(consumer="ghost"),
     "park.json: exchanges[1] (plant->ghost): consumer: unknown firm 'ghost'"),
    ("supplier without output", lambda d: d["exchanges"].append(
        {"supplier": "mill", "consumer": "board", "form": "fuel_gas", "mw": 1}),
     "park.json: exchanges[2] (mill->board): form: supplier 'mill' has no fuel_gas output (its outputs: none)"),
    ("consumer without demand", lambda d: d["exchanges"].append(
        {"supplier": "plant", "consumer": "board", "form": "steam", "mw": 1}),
     "park.json: exchanges[2] (plant->board): form: consumer 'board' has no steam demand (its demands: fuel_gas)"),
    ("self supply", lambda d: d["exchanges"][0].update(consumer="plant"),
     "park.json: exchanges[0] (plant->plant): consumer: a firm cannot supply itself"),
    ("selling more than produced", lambda d: d["exchanges"].append(
        {"supplier": "plant", "consumer": "board", "form": "steam", "mw": 5})
        or d["firms"][2]["demands"].update(steam=6),
     "park.json: firms[0] (id 'plant'): outputs.steam.mw: sells 11 MW through exchanges[0], exchanges[2] "
     "but produces only 10 MW"),
    ("receiving more than needed", lambda d: d["exchanges"][0].update(mw=9),
     "park.json: firms[1] (id 'mill'): demands.steam.mw: receives 9 MW through exchanges[0] but needs only 8 MW"),
    ("exchange mw zero", lambda d: d["exchanges"][0].update(mw=0),
     "park.json: exchanges[0] (plant->mill): mw: expected a positive number, got 0"),
    ("exchange missing form", lambda d: d["exchanges"][0].pop("form"),
     "park.json: exchanges[0] (plant->mill): form: missing"),
    ("exchange missing supplier", lambda d: d["exchanges"][0].pop("supplier"),
     "park.json: exchanges[0]: supplier: missing"),
    ("exchange unknown form", lambda d: d["exchanges"][0].update(form="plasma"),
     "park.json: exchanges[0] (plant->mill): form: unknown energy form 'plasma'; known: electricity"),
    ("duplicate exchange", lambda d: d["exchanges"].append(dict(d["exchanges"][0], mw=1)),
     "park.json: exchanges[2] (plant->mill): form: duplicate steam exchange (same as exchanges[0])"),
    ("bad format tag", lambda d: d.update(format="bois-park/9"),
     "park.json: format: unsupported format 'bois-park/9'; expected 'bois-park/1'"),
    ("missing format tag", lambda d: d.pop("format"),
     "park.json: format: missing (expected 'bois-park/1')"),
    ("missing name", lambda d: d.pop("name"), "park.json: name: missing"),
    ("unknown top-level field", lambda d: d.update(exchange=[]),
     "park.json: exchange: unknown field; known: format, name, description, firms, exchanges, backups"),
    ("firms not a list", lambda d: d.update(firms={}), "park.json: firms: expected a list, got an object"),
    ("missing exchanges", lambda d: d.pop("exchanges"), "park.json: exchanges: missing (use [] for none)"),
    ("empty park", lambda d: d.update(firms=[], exchanges=[]), "park.json: firms: the park has no firms"),
    ("backup share > 1", lambda d: d.update(backups=[{"form": "steam", "max_share": 1.5, "delay_steps": 1,
                                                      "cost_eur_per_mwh": 1, "co2_t_per_mwh": 0}]),
     "park.json: backups[0] (steam): max_share: expected a share between 0 and 1, got 1.5"),
    ("backup fractional delay", lambda d: d.update(backups=[{"form": "steam", "max_share": 1, "delay_steps": 1.5,
                                                             "cost_eur_per_mwh": 1, "co2_t_per_mwh": 0}]),
     "park.json: backups[0] (steam): delay_steps: expected a whole number of steps, got 1.5"),
    ("backup negative cost", lambda d: d.update(backups=[{"form": "steam", "max_share": 1, "delay_steps": 1,
                                                          "cost_eur_per_mwh": -1, "co2_t_per_mwh": 0}]),
     "park.json: backups[0] (steam): cost_eur_per_mwh: expected a number >= 0, got -1"),
    ("backup missing field", lambda d: d.update(backups=[{"form": "steam"}]),
     "park.json: backups[0]: max_share: missing"),
]


@pytest.mark.parametrize("what,change,message", CASES, ids=[c[0] for c in CASES])
def test_json_validation_errors(tmp_path: Path, what: str, change: Callable[[dict[str, Any]], None], message: str) -> None:
    err = load_error(tmp_path, mutated(change))
    assert err.startswith(message), f"{what}: {err}"


def test_error_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        load_park(write_doc(tmp_path, mutated(lambda d: d.update(format="x"))))


def test_example_message_from_the_case_study(tmp_path: Path) -> None:
    from simulation.case_studies import case_study_path

    doc = json.loads(case_study_path("kalundborg").read_text())
    idx = [f["id"] for f in doc["firms"]].index("gyproc")
    doc["firms"][idx]["demands"]["fuel_gas"]["mw"] = -2
    err = load_error(tmp_path, doc, "kalundborg.json")
    assert err == f"kalundborg.json: firms[{idx}] (id 'gyproc'): demands.fuel_gas.mw: expected a positive number, got -2"


def test_malformed_json_reports_line_and_column(tmp_path: Path) -> None:
    p = tmp_path / "bad.json"
    p.write_text('{\n  "format": "bois-park/1",\n  "name": "x",,\n}\n')
    with pytest.raises(ParkFileError, match=r"^bad\.json: line 3, column 15: malformed JSON: "):
        load_park(p)


def test_duplicate_json_key(tmp_path: Path) -> None:
    p = tmp_path / "dup.json"
    p.write_text('{"format": "bois-park/1", "name": "a", "name": "b", "firms": [], "exchanges": []}')
    with pytest.raises(ParkFileError, match=r"^dup\.json: duplicate key 'name'"):
        load_park(p)


def test_top_level_not_an_object(tmp_path: Path) -> None:
    assert load_error(tmp_path, [1, 2]) == "park.json: expected a JSON object at the top level, got a list"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ParkFileError, match=r"^nope\.json: file not found"):
        load_park(tmp_path / "nope.json")


def test_park_value_errors_are_wrapped_with_the_file_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import simulation.io as sio

    class Strict(Park):
        def __init__(self, *a: Any, **k: Any) -> None:
            raise ValueError("firm 'x': something Park checks")

    monkeypatch.setattr(sio, "Park", Strict)
    assert load_error(tmp_path, small_doc()) == "park.json: firm 'x': something Park checks"


# ----------------------------------------------------------------------------- GraphML / CSV validation
def test_graphml_errors(tmp_path: Path) -> None:
    save_park(rich_park(), tmp_path / "p.graphml")
    text = (tmp_path / "p.graphml").read_text()
    bad = tmp_path / "bad.graphml"
    bad.write_text(text.replace('"bois-park/1"', '"bois-park/0"').replace(">bois-park/1<", ">bois-park/0<"))
    with pytest.raises(ParkFileError, match=r"^bad\.graphml: graph: format: unsupported format 'bois-park/0'"):
        load_park(bad)
    bad.write_text(text[: len(text) // 2])
    with pytest.raises(ParkFileError, match=r"^bad\.graphml: line \d+, column \d+: malformed GraphML"):
        load_park(bad)


def test_graphml_negative_demand_names_the_attribute(tmp_path: Path) -> None:
    import networkx as nx

    from simulation.io import park_to_graphml_graph

    g = park_to_graphml_graph(rich_park())
    g.nodes["b"]["demand_steam_mw"] = -2.0
    nx.write_graphml(g, tmp_path / "g.graphml")
    with pytest.raises(ParkFileError) as ei:
        load_park(tmp_path / "g.graphml")
    assert str(ei.value) == "g.graphml: nodes[1] (id 'b'): demand_steam_mw: expected a positive number, got -2"


def test_graphml_unknown_form_attribute(tmp_path: Path) -> None:
    import networkx as nx

    from simulation.io import park_to_graphml_graph

    g = park_to_graphml_graph(rich_park())
    g.nodes["c"]["demand_plasma_mw"] = 1.0
    nx.write_graphml(g, tmp_path / "g.graphml")
    with pytest.raises(ParkFileError, match=r"^g\.graphml: nodes\[2\] \(id 'c'\): demand_plasma_mw: unknown energy form 'plasma'"):
        load_park(tmp_path / "g.graphml")


def csv_park(tmp_path: Path) -> Path:
    folder = tmp_path / "csvpark"
    save_park(rich_park(), folder)
    return folder


def test_csv_bad_number_names_line_and_column(tmp_path: Path) -> None:
    folder = csv_park(tmp_path)
    lines = (folder / "firms.csv").read_text().splitlines()
    header = lines[0].split(",")
    col = header.index("demand_steam_mw")
    row = lines[2].split(",")  # firm b is on line 3
    assert row[0] == "b"
    row[col] = "-2"
    lines[2] = ",".join(row)
    (folder / "firms.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(ParkFileError) as ei:
        load_park(folder)
    assert str(ei.value) == "firms.csv: line 3 (id 'b'): demand_steam_mw: expected a positive number, got -2"
    row[col] = "lots"
    lines[2] = ",".join(row)
    (folder / "firms.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(ParkFileError, match=r"^firms\.csv: line 3 \(id 'b'\): demand_steam_mw: expected a positive number, got 'lots'$"):
        load_park(folder)


def test_csv_exchange_errors(tmp_path: Path) -> None:
    folder = csv_park(tmp_path)
    (folder / "exchanges.csv").write_text("supplier,consumer,form,mw,note\na,ghost,steam,1,\n")
    with pytest.raises(ParkFileError, match=r"^exchanges\.csv: line 2 \(a->ghost\): consumer: unknown firm 'ghost'$"):
        load_park(folder)
    (folder / "exchanges.csv").write_text("supplier,consumer,form,mw,note\na,b,steam,99,\n")
    with pytest.raises(ParkFileError, match=r"^firms\.csv: line 2 \(id 'a'\): output_steam_mw: sells 99 MW through line 2 "):
        load_park(folder)
    (folder / "exchanges.csv").write_text("supplier,consumer,mw\n")
    with pytest.raises(ParkFileError, match=r"^exchanges\.csv: header: form: missing column"):
        load_park(folder)


def test_csv_unknown_column_and_missing_files(tmp_path: Path) -> None:
    folder = csv_park(tmp_path)
    text = (folder / "firms.csv").read_text()
    (folder / "firms.csv").write_text(text.replace("demand_steam_mw", "demand_steam_kw", 1))
    with pytest.raises(ParkFileError, match=r"^firms\.csv: header: demand_steam_kw: unknown column"):
        load_park(folder)
    (folder / "exchanges.csv").unlink()
    with pytest.raises(ParkFileError, match=r"^exchanges\.csv: file not found"):
        load_park(folder)


def test_csv_empty_park(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "firms.csv").write_text("id,name,sector,x_km,y_km\n")
    (folder / "exchanges.csv").write_text("supplier,consumer,form,mw\n")
    with pytest.raises(ParkFileError, match=r"^firms\.csv: firms: the park has no firms$"):
        load_park(folder)


def test_csv_backups_errors_name_backups_file(tmp_path: Path) -> None:
    folder = csv_park(tmp_path)
    (folder / "backups.csv").write_text(
        "form,max_share,delay_steps,cost_eur_per_mwh,co2_t_per_mwh,note\nsteam,2,1,1,0,\n")
    with pytest.raises(ParkFileError, match=r"^backups\.csv: line 2 \(steam\): max_share: expected a share between 0 and 1, got 2"):
        load_park(folder)


def test_park_to_dict_is_json_serialisable() -> None:
    d = park_to_dict(rich_park())
    again = json.loads(json.dumps(d))
    assert again["format"] == FORMAT_TAG
    assert {e["form"] for e in again["exchanges"]} == {"steam", "cooling_water", "district_heat"}
    assert copy.deepcopy(again) == again
