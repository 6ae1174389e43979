"""The results report on a tiny synthetic results folder."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import matplotlib.image as mpimg
import pytest

from bois.types import EnergyForm
from simulation.metrics import curve_metrics
from simulation.network import Demand, Exchange, FirmSpec, Output, Park
from simulation.report import fmt_number, format_summary_table, summary_rows_from_files, write_report

STEPS = 10
T0, DURATION = 2, 3


def tiny_park() -> Park:
    firms = [
        FirmSpec("F1", "Power plant", "power", 0.0, 0.0,
                 outputs={EnergyForm.STEAM: Output(30.0, 200.0), EnergyForm.ELECTRICITY: Output(50.0)}),
        FirmSpec("F2", "Refinery", "refinery", 2.0, 0.5, demands={EnergyForm.STEAM: Demand(20.0, 150.0)},
                 outputs={EnergyForm.FUEL_GAS: Output(8.0)}),
        FirmSpec("F3", "Pharma", "pharma", 1.0, 2.0,
                 demands={EnergyForm.STEAM: Demand(12.0, 150.0), EnergyForm.FUEL_GAS: Demand(5.0)},
                 outputs={EnergyForm.WASTE_HEAT: Output(6.0, 35.0)}),
        FirmSpec("F4", "Fish farm", "aquaculture", 3.0, 2.5, demands={EnergyForm.WASTE_HEAT: Demand(4.0, 25.0)}),
    ]
    exchanges = [
        Exchange("F1", "F2", EnergyForm.STEAM, 15.0),
        Exchange("F1", "F3", EnergyForm.STEAM, 10.0),
        Exchange("F2", "F3", EnergyForm.FUEL_GAS, 5.0),
        Exchange("F3", "F4", EnergyForm.WASTE_HEAT, 4.0),
    ]
    return Park("Tiny park", firms, exchanges)


# P(t) per (scenario, strategy): s1 disrupts F1, s2 disrupts F3; window steps 2..4
CURVES = {
    ("s1", "bau"): [1, 1, 0.3, 0.3, 0.4, 0.8, 1, 1, 1, 1],
    ("s1", "bois"): [1, 1, 0.3, 0.7, 0.9, 1, 1, 1, 1, 1],
    ("s2", "bau"): [1, 1, 0.8, 0.8, 0.8, 0.9, 0.9, 0.9, 0.9, 0.9],  # never recovers
    ("s2", "bois"): [1, 1, 0.8, 1, 1, 1, 1, 1, 1, 1],
}
DISRUPTED = {"s1": "F1", "s2": "F3"}
# per (scenario, strategy): unmet, backup, cost, co2, cascade, transactions, gas, links
EXTRA = {
    ("s1", "bau"): (40.0, 10.0, 1000.0, 2.0, 3, 0, "", 0),
    ("s1", "bois"): (12.0, 6.0, 600.0, 1.2, 3, 5, "500000", 1),
    ("s2", "bau"): (8.0, 2.0, 200.0, 0.4, 2, 0, "", 0),
    ("s2", "bois"): (2.0, 0.0, 0.0, 0.0, 2, 3, "300000", 1),
}


def make_results(folder: Path, curves: dict[tuple[str, str], list[float]] = CURVES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "timeseries.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["scenario", "strategy", "step", "served_fraction", "unmet_mwh", "backup_mwh", "backup_cost_eur",
                    "backup_co2_t", "affected_firms", "substitute_mw"])
        for (sid, strat), p in curves.items():
            for t, v in enumerate(p):
                w.writerow([sid, strat, t, v, 0, 0, 0, 0, int(v < 1), 0])
    with (folder / "scenarios.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["scenario", "strategy", "kind", "disrupted", "t0", "duration", "fraction", "robustness",
                    "resilience_loss", "recovery_time_h", "cascade_size", "unmet_mwh", "backup_mwh", "backup_cost_eur",
                    "backup_co2_t", "transactions", "gas_used", "substitute_links"])
        for (sid, strat), p in curves.items():
            m = curve_metrics(p, T0)
            unmet, backup, cost, co2, cascade, tx, gas, links = EXTRA[(sid, strat)]
            rec = "" if m.recovery_time_h is None else m.recovery_time_h
            w.writerow([sid, strat, "sweep", DISRUPTED[sid], T0, DURATION, 1.0, m.robustness, m.resilience_loss, rec,
                        cascade, unmet, backup, cost, co2, tx, gas, links])
    with (folder / "links.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["scenario", "strategy", "supplier", "consumer", "form", "mw", "start_step", "end_step", "agreement_id"])
        w.writerow(["s1", "bois", "F2", "F3", "steam", 6.0, 3, "", "1"])  # hypothetical spare steam
        w.writerow(["s2", "bois", "F1", "F4", "waste_heat", 4.0, 3, 5, "2"])
    (folder / "run.json").write_text(json.dumps({"park": "Tiny park", "firms": 4, "horizon": STEPS, "seed": 7,
                                                 "strategies": ["bau", "bois"], "scenarios": "sweep", "chain": "eth-tester"}))
    return folder


# hand-computed metrics of CURVES (pre = 1, threshold 0.95):
# s1 bau: loss 0.7+0.7+0.6+0.2 = 2.2, recovered at step 6 -> 4 h; s2 bau: loss 0.2*3 + 0.1*5 = 1.1, None
# s1 bois: loss 0.7+0.3+0.1 = 1.1, recovered at step 5 -> 3 h; s2 bois: loss 0.2, recovered at 3 -> 1 h
BAU_LOSS, BOIS_LOSS = (2.2 + 1.1) / 2, (1.1 + 0.2) / 2
BAU_ROBUST, BOIS_ROBUST = (0.3 + 0.8) / 2, (0.3 + 0.8) / 2
BAU_REC, BOIS_REC = 4.0, (3.0 + 1.0) / 2
BAU_UNMET, BOIS_UNMET = 24.0, 7.0


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = make_results(tmp_path_factory.mktemp("results"))
    md = write_report(folder, tiny_park())
    assert md == folder / "summary.md"
    return folder


def _means(line: str) -> list[float]:
    """The means of a Markdown table row ``| metric | mean [lo, hi] | mean [lo, hi] | change |``."""
    cells = [c.strip() for c in line.strip().strip("|").split("|")][1:3]
    return [float(c.split()[0].replace(",", "")) for c in cells]


def test_summary_md(report: Path) -> None:
    md = (report / "summary.md").read_text()
    assert "Tiny park" in md
    assert "BAU" in md and "BOIS" in md
    lines = {line.split("|")[1].strip(): line for line in md.splitlines() if line.startswith("| ")}
    assert "| BAU mean [95 % CI] | BOIS mean [95 % CI] | Change |" in md
    loss = lines["Resilience loss (h)"]
    assert _means(loss) == pytest.approx([BAU_LOSS, BOIS_LOSS], abs=0.005)
    assert "1.65 [0.00, " in loss  # n=2: the t interval reaches below 0 and is clipped
    assert f"{(BOIS_LOSS - BAU_LOSS) / BAU_LOSS * 100:+.1f} %" in loss  # -60.6 %
    assert _means(lines["Robustness (min P)"]) == pytest.approx([BAU_ROBUST, BOIS_ROBUST], abs=0.0005)
    assert "0.55 [0.00, 1.00]" in lines["Robustness (min P)"]  # clipped to [0, 1]
    rec = lines["Recovery time (h)"]
    assert "| 4.00 (n=1) |" in rec  # one recovered BAU scenario
    assert _means(rec) == pytest.approx([BAU_REC, BOIS_REC], abs=0.005)
    assert "50 % (1/2)" in lines["Recovered share"] and "100 % (2/2)" in lines["Recovered share"]
    assert "+50.0 pp" in lines["Recovered share"]
    assert _means(lines["Unmet energy (MWh)"]) == pytest.approx([BAU_UNMET, BOIS_UNMET], abs=0.05)
    assert "-70.8 %" in lines["Unmet energy (MWh)"]
    assert "| - |" in lines["Gas used"]  # no gas under BAU
    # criticality: F1 (loss 2.2 under BAU) before F3 (1.1)
    assert md.index("Power plant (F1)") < md.index("Pharma (F3)")
    assert "| 1 | Power plant (F1) | power | 2.20 | 1.10 |" in md
    for png in ("pt_curves.png", "criticality.png", "network.png"):
        assert f"]({png})" in md
    assert "What the metrics mean" in md and "| seed | 7 |" in md


def test_summary_json(report: Path) -> None:
    data = json.loads((report / "summary.json").read_text())
    assert data["strategies"] == ["bau", "bois"]
    assert data["per_strategy"]["bau"]["metrics"]["resilience_loss"]["mean"] == pytest.approx(BAU_LOSS)
    assert data["per_strategy"]["bois"]["metrics"]["resilience_loss"]["mean"] == pytest.approx(BOIS_LOSS)
    assert [c["firm_id"] for c in data["criticality"]["bau"]] == ["F1", "F3"]
    assert data["criticality"]["bau"][0]["resilience_loss"] == pytest.approx(2.2)
    assert data["run"]["seed"] == 7


@pytest.mark.parametrize("name", ["pt_curves.png", "criticality.png", "network.png"])
def test_pngs(report: Path, name: str) -> None:
    path = report / name
    assert path.stat().st_size > 10_000
    img = mpimg.imread(path)
    h, w = img.shape[:2]
    assert w >= 800 and h >= 300
    assert img.std() > 0.01  # not blank


def test_fmt_number() -> None:
    assert [fmt_number(v) for v in (0.0, 0.1234, 1.5, 12.34, 1234.5, None, float("nan"))] == [
        "0", "0.123", "1.50", "12.3", "1,234", "-", "-"]
    assert fmt_number(0.5, ref=20.0) == "0.5"


def test_without_park(tmp_path: Path) -> None:
    folder = make_results(tmp_path / "r")
    write_report(folder)
    assert (folder / "pt_curves.png").is_file() and (folder / "criticality.png").is_file()
    assert not (folder / "network.png").exists()
    assert "network.png not drawn" in (folder / "summary.md").read_text()


def test_format_summary_table(report: Path) -> None:
    from simulation.metrics import summarize

    table = format_summary_table(summarize(summary_rows_from_files(report)))
    lines = table.splitlines()
    assert "BAU mean" in table and "BOIS mean" in table and "Change" in table
    loss = next(line for line in lines if line.startswith("Resilience loss"))
    assert "1.65 [0.00, 8.64]" in loss and "0.65 [0.00, 6.37]" in loss and "-60.6 %" in loss
    assert any(line.startswith("Gas used") for line in lines)
    assert len({len(line) for line in lines if line.startswith("-")}) == 1  # rules of equal width


def test_missing_files_and_columns(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="scenarios.csv"):
        write_report(tmp_path)
    (tmp_path / "scenarios.csv").write_text("scenario,strategy\ns1,bau\n")
    with pytest.raises(ValueError, match="missing column"):
        summary_rows_from_files(tmp_path)


def test_single_strategy_and_varying_windows(tmp_path: Path) -> None:
    curves = {k: v for k, v in CURVES.items() if k[1] == "bois"}
    folder = make_results(tmp_path / "r", curves)
    rows = (folder / "scenarios.csv").read_text().splitlines()
    rows[2] = rows[2].replace(f",{T0},{DURATION},", f",{T0},{DURATION + 2},")  # s2: a longer disruption
    (folder / "scenarios.csv").write_text("\n".join(rows) + "\n")
    md = write_report(folder, tiny_park()).read_text()
    assert "| Metric | BOIS mean [95 % CI] |" in md and "Change" not in md.split("## Most critical")[0]
    assert "ranked by BOIS" in md
    for png in ("pt_curves.png", "criticality.png", "network.png"):
        assert mpimg.imread(folder / png).shape[1] >= 800
    table = format_summary_table(json.loads((folder / "summary.json").read_text()))
    assert "BOIS mean" in table and "BAU" not in table
