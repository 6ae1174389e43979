"""The results report: summary tables (JSON, Markdown, terminal) and plots of a run.

:func:`write_report` reads a results folder written by the runner::

    timeseries.csv  scenario, strategy, step, served_fraction, unmet_mwh, backup_mwh, ...
    scenarios.csv   scenario, strategy, kind, disrupted, t0, duration, ..., robustness, ...
    links.csv       scenario, strategy, supplier, consumer, form, mw, start_step, end_step, ...
    run.json        the run's parameters

and writes into the same folder ``summary.json``, ``summary.md``, ``pt_curves.png``,
``criticality.png`` and (given the :class:`~simulation.network.Park`) ``network.png``.

Plots are drawn on :class:`matplotlib.figure.Figure` objects with the Agg canvas - no
pyplot, no global backend switch, safe on a headless machine and in threads.
"""

from __future__ import annotations

import csv
import json
import math
import zlib
from collections import defaultdict
from pathlib import Path
from typing import Any, Mapping, Sequence

import matplotlib
import numpy as np
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch

from simulation.metrics import BASELINE, PLATFORM, Criticality, criticality, summarize
from simulation.network import SECTORS, Park

TIMESERIES_COLUMNS = ("scenario", "strategy", "step", "served_fraction")
SCENARIO_COLUMNS = ("scenario", "strategy", "kind", "disrupted", "t0", "duration", "robustness", "resilience_loss", "recovery_time_h")
LINK_COLUMNS = ("scenario", "strategy", "supplier", "consumer", "form", "mw")

#: Metric labels (with units) and one-line meanings, in report order.
METRIC_LABELS: dict[str, str] = {
    "robustness": "Robustness (min P)",
    "resilience_loss": "Resilience loss (h)",
    "recovery_time_h": "Recovery time (h)",
    "recovered_share": "Recovered share",
    "cascade_size": "Cascade size (firms)",
    "unmet_mwh": "Unmet energy (MWh)",
    "backup_mwh": "Backup energy (MWh)",
    "backup_cost_eur": "Backup cost (EUR)",
    "backup_co2_t": "Backup CO2 (t)",
    "transactions": "Transactions",
    "gas_used": "Gas used",
    "substitute_links": "Substitute links",
}
METRIC_MEANINGS: dict[str, str] = {
    "robustness": "lowest served fraction P(t) of symbiotic demand reached during the run (1 = no loss).",
    "resilience_loss": "area between the pre-disruption level and P(t) (Bruneau's resilience triangle), in hours of fully lost symbiotic service.",
    "recovery_time_h": "hours from the disruption until P(t) stays at or above 95 % of its pre-disruption level (mean over recovered scenarios).",
    "recovered_share": "share of scenarios that recovered within the simulated horizon.",
    "cascade_size": "other firms whose operating level dropped below full because they lost supply through the network (the disrupted firms themselves are not counted).",
    "unmet_mwh": "symbiotic energy demand neither served by exchanges nor by backup utilities.",
    "backup_mwh": "energy bought from backup utilities (boilers, grid) to replace lost symbiotic supply.",
    "backup_cost_eur": "what that backup energy cost.",
    "backup_co2_t": "CO2 emitted producing that backup energy.",
    "transactions": "blockchain transactions sent to the BOIS platform (0 for business as usual).",
    "gas_used": "gas consumed by those transactions on the chain.",
    "substitute_links": "substitute supplier-consumer links established during the disruption.",
}
TERMINAL_METRICS: tuple[str, ...] = (
    "robustness",
    "resilience_loss",
    "recovery_time_h",
    "recovered_share",
    "cascade_size",
    "unmet_mwh",
    "backup_mwh",
    "backup_cost_eur",
    "backup_co2_t",
    "transactions",
    "gas_used",
)
STRATEGY_LABELS = {BASELINE: "BAU", PLATFORM: "BOIS"}
STRATEGY_COLORS = {BASELINE: "#d9822b", PLATFORM: "#1f6fb4"}
_FALLBACK_COLORS = ("#6a3d9a", "#33a02c", "#b15928", "#8c8c8c")

LARGE_PARK = 300  # firms; above this the network is drawn without labels, with thin edges
DPI = 150


# ----------------------------------------------------------------------------------
# reading
# ----------------------------------------------------------------------------------
def _read_csv(path: Path, required: Sequence[str]) -> list[dict[str, str]]:
    if not path.is_file():
        raise FileNotFoundError(f"results file missing: {path}")
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        missing = [c for c in required if c not in header]
        if missing:
            raise ValueError(f"{path.name}: missing column(s) {', '.join(missing)}")
        return [dict(r) for r in reader]


def summary_rows_from_files(results_dir: Path | str) -> list[dict[str, str]]:
    """The rows of ``scenarios.csv`` (one per scenario x strategy), as :func:`summarize` takes them."""
    return _read_csv(Path(results_dir) / "scenarios.csv", SCENARIO_COLUMNS)


def read_links(results_dir: Path | str) -> list[dict[str, str]]:
    """The rows of ``links.csv`` (empty when the file is absent: no substitute links)."""
    path = Path(results_dir) / "links.csv"
    return _read_csv(path, LINK_COLUMNS) if path.is_file() else []


def read_run(results_dir: Path | str) -> dict[str, Any]:
    """``run.json`` (empty when absent)."""
    path = Path(results_dir) / "run.json"
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object")
    return data


def read_curves(results_dir: Path | str) -> dict[str, dict[str, np.ndarray]]:
    """``served_fraction`` curves from ``timeseries.csv``: ``{strategy: {scenario: P[step]}}``.

    Missing steps are NaN.
    """
    rows = _read_csv(Path(results_dir) / "timeseries.csv", TIMESERIES_COLUMNS)
    cells: dict[str, dict[str, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    for r in rows:
        cells[r["strategy"]][r["scenario"]][int(float(r["step"]))] = float(r["served_fraction"])
    out: dict[str, dict[str, np.ndarray]] = {}
    for strategy, scen in cells.items():
        out[strategy] = {}
        for sid, steps in scen.items():
            arr = np.full(max(steps) + 1, np.nan)
            for k, v in steps.items():
                arr[k] = v
            out[strategy][sid] = arr
    return out


# ----------------------------------------------------------------------------------
# formatting
# ----------------------------------------------------------------------------------
def fmt_number(v: float | None, ref: float | None = None) -> str:
    """A compact number; its decimals follow the magnitude of ``ref`` (default ``v``).

    ``|ref| >= 1000``: thousands separators, no decimals; ``>= 10``: 1 decimal; ``>= 1``: 2;
    below 1: 3; exactly 0: ``"0"``. Missing or non-finite: ``"-"``.
    """
    if v is None or not math.isfinite(v):
        return "-"
    a = abs(v if ref is None else ref)
    if a == 0 and v == 0:
        return "0"
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3f}"


def _fmt_ci(m: Mapping[str, Any] | None) -> str:
    """``mean [low, high]`` with one precision for the three numbers."""
    if m is None:
        return "-"
    mean, low, high = float(m["mean"]), float(m["low"]), float(m["high"])
    ref = max(abs(mean), abs(low), abs(high))
    if int(m.get("n", 0)) == 1:
        return f"{fmt_number(mean, ref)} (n=1)"
    if low == high == mean:
        return fmt_number(mean, ref)
    return f"{fmt_number(mean, ref)} [{fmt_number(low, ref)}, {fmt_number(high, ref)}]"


def _fmt_share(per: Mapping[str, Any]) -> str:
    share = float(per["recovered_share"])
    n = int(per["n_scenarios"])
    return f"{share * 100:.0f} % ({round(share * n)}/{n})"


def _fmt_change(summary: Mapping[str, Any], metric: str) -> str:
    if metric == "recovered_share":
        pp = summary.get("recovered_share_change_pp")
        return "-" if pp is None else f"{pp:+.1f} pp"
    pct = summary.get("change_pct", {}).get(metric)
    return "-" if pct is None else f"{pct:+.1f} %"


def _strategy_label(s: str) -> str:
    return STRATEGY_LABELS.get(s, s.upper())


def _strategy_color(s: str, i: int) -> str:
    return STRATEGY_COLORS.get(s, _FALLBACK_COLORS[i % len(_FALLBACK_COLORS)])


def _cell(summary: Mapping[str, Any], strategy: str, metric: str) -> str:
    per = summary["per_strategy"][strategy]
    if metric == "recovered_share":
        return _fmt_share(per)
    return _fmt_ci(per["metrics"].get(metric))


def format_summary_table(summary: Mapping[str, Any]) -> str:
    """A fixed-width terminal table of :func:`~simulation.metrics.summarize` output."""
    strategies: list[str] = list(summary["strategies"])
    conf = round(float(summary.get("confidence", 0.95)) * 100)
    both = BASELINE in strategies and PLATFORM in strategies
    head = ["Metric"] + [f"{_strategy_label(s)} mean [{conf}% CI]" for s in strategies] + (["Change"] if both else [])
    body: list[list[str]] = []
    for m in TERMINAL_METRICS:
        row = [METRIC_LABELS[m]] + [_cell(summary, s, m) for s in strategies]
        if both:
            row.append(_fmt_change(summary, m))
        body.append(row)
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    n = ", ".join(f"{_strategy_label(s)} n={summary['per_strategy'][s]['n_scenarios']}" for s in strategies)

    def line(cells: list[str]) -> str:
        parts = [cells[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(cells[1:], widths[1:])]
        return "  ".join(parts).rstrip()

    rule = "-" * len(line(head))
    return "\n".join([f"Scenarios: {n}", rule, line(head), rule, *(line(r) for r in body), rule])


def _md_escape(s: str) -> str:
    return s.replace("|", "\\|")


def _firm_label(park: Park | None, fid: str) -> str:
    if park is not None and fid in park.firms:
        return park.firms[fid].name
    return fid


# ----------------------------------------------------------------------------------
# plots
# ----------------------------------------------------------------------------------
def _new_figure(w: float, h: float) -> Figure:
    fig = Figure(figsize=(w, h), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _uniform_window(rows: Sequence[Mapping[str, str]]) -> tuple[float, float] | None:
    """``(t0, t0 + duration)`` when every scenario shares them, else ``None``."""
    windows = set()
    for r in rows:
        try:
            windows.add((float(r["t0"]), float(r["duration"])))
        except (KeyError, ValueError):
            return None
    if len(windows) != 1:
        return None
    t0, d = windows.pop()
    return t0, t0 + d


def plot_pt_curves(curves: Mapping[str, Mapping[str, np.ndarray]], rows: Sequence[Mapping[str, str]], path: Path, title: str = "") -> Path:
    """Mean P(t) per strategy with its 10-90 percentile band, disruption window shaded."""
    fig = _new_figure(10, 5.5)
    ax = fig.add_subplot()
    window = _uniform_window(rows)
    if window is not None:
        ax.axvspan(window[0], window[1], color="#f0f0f0", lw=0, zorder=0, label="disruption window")
        for x in window:
            ax.axvline(x, color="#555555", lw=1.0, ls="--", zorder=0.5)
    strategies = sorted(curves, key=lambda s: {BASELINE: 0, PLATFORM: 1}.get(s, 2))
    lows: list[float] = []
    n_scen = 0
    for i, s in enumerate(strategies):
        arrs = list(curves[s].values())
        if not arrs:
            continue
        n_scen = max(n_scen, len(arrs))
        t_len = max(len(a) for a in arrs)
        mat = np.full((len(arrs), t_len), np.nan)
        for j, a in enumerate(arrs):
            mat[j, : len(a)] = a
        mat = np.concatenate([mat, mat[:, -1:]], axis=1)  # step t holds over [t, t+1)
        steps = np.arange(t_len + 1)
        with np.errstate(all="ignore"):
            mean = np.nanmean(mat, axis=0)
            p10 = np.nanpercentile(mat, 10, axis=0)
            p90 = np.nanpercentile(mat, 90, axis=0)
        color = _strategy_color(s, i)
        label = _strategy_label(s)
        ax.fill_between(steps, p10, p90, color=color, alpha=0.2, lw=0, step="post", zorder=1,
                        label=f"{label} 10-90 percentile")
        for edge in (p10, p90):
            ax.step(steps, edge, where="post", color=color, lw=0.8, alpha=0.7, ls=":", zorder=2)
        ax.step(steps, mean, where="post", color=color, lw=2.4, zorder=3, label=f"{label} mean")
        lows.append(float(np.nanmin(p10)))
    low = min(lows) if lows else 0.0
    ymin = max(0.0, math.floor((low - 0.02) * 10) / 10) if low > 0.2 else 0.0
    ax.set_ylim(ymin, 1.02)
    ax.set_xlim(left=0)
    ax.set_xlabel("Time (h)", fontsize=12)
    ax.set_ylabel("Served fraction P(t) of symbiotic demand", fontsize=12)
    heading = title or "Performance of the symbiotic exchanges: BAU vs BOIS"
    sub = f"mean over {n_scen} scenarios, shaded band = 10th-90th percentile"
    if window is None:
        sub += "; disruption start/duration vary by scenario"
    ax.set_title(f"{heading}\n{sub}", fontsize=13)
    ax.tick_params(labelsize=11)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=5, fontsize=10, frameon=False)
    fig.savefig(path, bbox_inches="tight", pad_inches=0.15)
    return path


def plot_criticality(crit: Mapping[str, Sequence[Criticality]], path: Path, park: Park | None = None, top: int = 15) -> Path:
    """Horizontal bars of the top firms' resilience loss, one bar per strategy."""
    strategies = sorted(crit, key=lambda s: {BASELINE: 0, PLATFORM: 1}.get(s, 2))
    ranking_by = BASELINE if BASELINE in crit and crit[BASELINE] else next(s for s in strategies if crit[s])
    firms = [c.firm_id for c in crit[ranking_by][:top]]
    loss = {s: {c.firm_id: c.resilience_loss for c in crit[s]} for s in strategies}
    n = len(firms)
    fig = _new_figure(10, 1.6 + 0.5 * n)
    ax = fig.add_subplot()
    k = len(strategies)
    height = 0.8 / k
    y = np.arange(n)[::-1].astype(float)  # most critical at the top
    vmax = max((v for s in strategies for f, v in loss[s].items() if f in firms), default=1.0) or 1.0
    for i, s in enumerate(strategies):
        vals = [loss[s].get(f, float("nan")) for f in firms]
        ys = y + (k - 1) / 2 * height - i * height
        ax.barh(ys, vals, height=height * 0.95, color=_strategy_color(s, i), label=_strategy_label(s))
        for yy, v in zip(ys, vals):
            if math.isfinite(v):
                ax.text(v + vmax * 0.01, yy, fmt_number(v, vmax), va="center", fontsize=9)
    ax.set_yticks(y)
    ax.set_yticklabels([_firm_label(park, f) if _firm_label(park, f) == f else f"{_firm_label(park, f)} ({f})" for f in firms], fontsize=10)
    ax.set_xlim(0, vmax * 1.12)
    ax.set_xlabel("Resilience loss when this firm alone is disrupted (h of lost symbiotic service)", fontsize=11)
    ax.set_title(f"Most critical firms (top {n}, ranked by {_strategy_label(ranking_by)})", fontsize=13)
    ax.grid(True, axis="x", alpha=0.3)
    ax.set_ylim(-0.6, n - 0.4)
    ax.legend(loc="lower right", fontsize=10)
    fig.savefig(path, bbox_inches="tight", pad_inches=0.15)
    return path


def _pick_network_scenario(rows: Sequence[Mapping[str, str]], crit: Mapping[str, Sequence[Criticality]]) -> tuple[str, str] | None:
    """``(scenario id, disrupted firm)`` of the most critical firm's worst single-firm scenario."""
    by = BASELINE if crit.get(BASELINE) else next((s for s in crit if crit[s]), None)
    if by is None:
        return None
    firm = crit[by][0].firm_id
    cands = [r for r in rows if r["strategy"] == by and r.get("disrupted", "") == firm]
    if not cands:
        return None
    sweep = [r for r in cands if r.get("kind") == "sweep"] or cands
    best = max(sweep, key=lambda r: float(r["resilience_loss"] or 0.0))
    return best["scenario"], firm


#: Sector colours (no pure red or green: those mark disrupted firms and substitute links).
SECTOR_COLORS: dict[str, str] = {
    "power": "#ff7f0e",
    "refinery": "#8c564b",
    "chemicals": "#9467bd",
    "pharma": "#e377c2",
    "building_materials": "#7f7f7f",
    "food": "#bcbd22",
    "aquaculture": "#17becf",
    "bioenergy": "#98df8a",
    "utility": "#1f77b4",
    "municipality": "#aec7e8",
    "manufacturing": "#c5b0d5",
    "data_center": "#393b79",
    "greenhouse": "#dbdb8d",
    "paper": "#f7b6d2",
    "metals": "#c49c94",
}


def _sector_color(sector: str) -> Any:
    if sector in SECTOR_COLORS:
        return SECTOR_COLORS[sector]
    return matplotlib.colormaps["tab20b"](zlib.crc32(sector.encode()) % 20)


def _form_label(form: str) -> str:
    return form.strip().lower().replace("_", " ")


def plot_network(
    park: Park,
    path: Path,
    disrupted: Sequence[str] = (),
    substitutes: Sequence[Mapping[str, str]] = (),
    title: str = "",
) -> Path:
    """The park at firm coordinates: sectors coloured, edge width by MW, disrupted firms in red,
    substitute links dashed green with their energy form."""
    large = len(park) > LARGE_PARK
    pos = {fid: (f.x_km, f.y_km) for fid, f in park.firms.items()}
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1.0)
    pad = 0.08 * span
    # size the figure to the park's aspect ratio (plot area ~9 in wide, legend to the right)
    ratio = (max(ys) - min(ys) + 2 * pad) / (max(xs) - min(xs) + 2 * pad)
    fig = _new_figure(12.5, min(12.0, max(5.0, 9.0 * ratio + 1.4)))
    ax = fig.add_subplot()
    node_size = 14.0 if large else 260.0

    # edges: parallel exchanges (several forms between the same pair) drawn as separate arcs
    mws = [float(d["exchange"].mw) for _, _, d in park.graph.edges(data=True)]
    mw_max = max(mws, default=1.0) or 1.0
    seen: dict[tuple[str, str], int] = defaultdict(int)
    lost = set(disrupted)
    for u, v, d in park.graph.edges(data=True):
        mw = float(d["exchange"].mw)
        idx = seen[(u, v)]
        seen[(u, v)] += 1
        rad = 0.08 + 0.12 * idx
        width = 0.3 if large else 0.6 + 5.0 * mw / mw_max
        cut = u in lost or v in lost
        ax.add_patch(
            FancyArrowPatch(
                pos[u], pos[v], connectionstyle=f"arc3,rad={rad}",
                arrowstyle="-" if large else "-|>", mutation_scale=12,
                lw=max(width, 1.0) if cut and large else width,
                color="#e8807f" if cut else "#7f7f7f", alpha=0.8 if cut else (0.25 if large else 0.55),
                shrinkA=0 if large else 9, shrinkB=0 if large else 9, zorder=2 if cut else 1,
            )
        )

    # substitute links (dashed green), one per supplier/consumer/form
    subs: dict[tuple[str, str, str], float] = {}
    for r in substitutes:
        key = (r["supplier"], r["consumer"], r["form"])
        if key[0] in pos and key[1] in pos:
            subs[key] = max(subs.get(key, 0.0), float(r["mw"] or 0.0))
    for (u, v, form), mw in subs.items():
        ax.add_patch(
            FancyArrowPatch(
                pos[u], pos[v], connectionstyle="arc3,rad=-0.15", arrowstyle="-|>", mutation_scale=14,
                lw=2.0, color="#1a9641", linestyle=(0, (5, 3)), shrinkA=3 if large else 9, shrinkB=3 if large else 9, zorder=3,
            )
        )
        mx, my = (pos[u][0] + pos[v][0]) / 2, (pos[u][1] + pos[v][1]) / 2
        dx, dy = pos[v][0] - pos[u][0], pos[v][1] - pos[u][1]
        # arc3 (rad r): the curve's midpoint sits at chord midpoint + r/2 * (dy, -dx)
        mx, my = mx - 0.075 * dy, my + 0.075 * dx
        ax.text(mx, my, f"{_form_label(form)}\n{mw:.3g} MW", color="#11652b", fontsize=8.5, ha="center", va="center",
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#1a9641", "alpha": 0.85}, zorder=5)

    # nodes by sector
    sectors = sorted({f.sector for f in park.firms.values()}, key=lambda x: (SECTORS.index(x) if x in SECTORS else 99, x))
    handles: list[Any] = []
    for sec in sectors:
        ids = [fid for fid, f in park.firms.items() if f.sector == sec]
        color = _sector_color(sec)
        ax.scatter([pos[f][0] for f in ids], [pos[f][1] for f in ids], s=node_size, color=color,
                   edgecolors="black", linewidths=0.3 if large else 0.8, zorder=4)
        handles.append(Line2D([], [], marker="o", ls="", markersize=9, markerfacecolor=color, markeredgecolor="black",
                              label=sec.replace("_", " ")))
    hit = [f for f in disrupted if f in pos]
    if hit:
        ax.scatter([pos[f][0] for f in hit], [pos[f][1] for f in hit], s=node_size * (4 if large else 2.2),
                   facecolors="none", edgecolors="#d7191c", linewidths=3, zorder=6)
        handles.append(Line2D([], [], marker="o", ls="", markersize=12, markerfacecolor="none", markeredgecolor="#d7191c",
                              markeredgewidth=2.5, label="disrupted firm"))
    if not large:
        for fid, (x, y) in pos.items():
            ax.annotate(park.firms[fid].name, (x, y), xytext=(0, -13), textcoords="offset points", ha="center", va="top",
                        fontsize=8.5, color="#d7191c" if fid in hit else "black",
                        fontweight="bold" if fid in hit else "normal", zorder=7,
                        path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")])
    handles.append(Line2D([], [], color="#7f7f7f", lw=1 if large else 3, label="exchange" if large else "exchange (width ~ MW)"))
    if hit:
        handles.append(Line2D([], [], color="#e8807f", lw=3, label="exchange lost"))
    if subs:
        handles.append(Line2D([], [], color="#1a9641", lw=2, ls="--", label="BOIS substitute link"))
    ax.set_xlim(min(xs) - pad, max(xs) + pad)
    ax.set_ylim(min(ys) - pad, max(ys) + pad)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("x (km)", fontsize=12)
    ax.set_ylabel("y (km)", fontsize=12)
    ax.set_title(title or f"{park.name}: {len(park)} firms, {park.graph.number_of_edges()} exchanges", fontsize=13)
    ax.grid(True, alpha=0.2)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9.5, title="Sector", title_fontsize=10,
              frameon=False)
    fig.savefig(path, bbox_inches="tight", pad_inches=0.15)
    return path


# ----------------------------------------------------------------------------------
# the report
# ----------------------------------------------------------------------------------
def _markdown(
    summary: Mapping[str, Any],
    crit: Mapping[str, Sequence[Criticality]],
    run: Mapping[str, Any],
    park: Park | None,
    figures: Sequence[tuple[str, str]],
    network_note: str,
) -> str:
    strategies: list[str] = list(summary["strategies"])
    both = BASELINE in strategies and PLATFORM in strategies
    conf = round(float(summary.get("confidence", 0.95)) * 100)
    park_name = str(run.get("park") or run.get("park_name") or (park.name if park else "")) or "park"
    out: list[str] = [f"# Resilience report: {_md_escape(park_name)}", ""]
    vs = " vs ".join(f"{_strategy_label(s)} ({summary['per_strategy'][s]['n_scenarios']} scenarios)" for s in strategies)
    out += [f"Disruption scenarios simulated under {vs}. Means with {conf} % Student-t confidence intervals.", ""]

    out += ["## " + (" vs ".join(_strategy_label(s) for s in strategies)), ""]
    head = ["Metric"] + [f"{_strategy_label(s)} mean [{conf} % CI]" for s in strategies] + (["Change"] if both else [])
    out += ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
    for m in METRIC_LABELS:
        row = [METRIC_LABELS[m]] + [_cell(summary, s, m) for s in strategies] + ([_fmt_change(summary, m)] if both else [])
        out.append("| " + " | ".join(_md_escape(c) for c in row) + " |")
    if both:
        out += ["", "Change: BOIS relative to BAU, (BOIS - BAU) / BAU of the means; recovered share in percentage points. "
                "Lower is better except for robustness and recovered share. Per-scenario paired differences with CIs are in "
                "`summary.json` (`paired_diff`)."]
    out.append("")

    ranked_by = BASELINE if crit.get(BASELINE) else next((s for s in strategies if crit.get(s)), None)
    if ranked_by is not None:
        top = crit[ranked_by][:10]
        loss = {s: {c.firm_id: c for c in crit.get(s, [])} for s in strategies}
        out += [f"## Most critical firms (single-firm disruptions, ranked by {_strategy_label(ranked_by)} resilience loss)", ""]
        cols = ["#", "Firm", "Sector"] + [f"{_strategy_label(s)} loss (h)" for s in strategies] + \
            [f"{_strategy_label(s)} unmet (MWh)" for s in strategies] + [f"Cascade ({_strategy_label(ranked_by)})"]
        out += ["| " + " | ".join(cols) + " |", "|" + "|".join(["---:", "---", "---"] + ["---:"] * (len(cols) - 3)) + "|"]
        for i, c in enumerate(top, 1):
            name = _firm_label(park, c.firm_id)
            firm = c.firm_id if name == c.firm_id else f"{name} ({c.firm_id})"
            sector = park.firms[c.firm_id].sector.replace("_", " ") if park and c.firm_id in park.firms else "-"
            cells = [str(i), firm, sector]
            cells += [fmt_number(loss[s][c.firm_id].resilience_loss) if c.firm_id in loss[s] else "-" for s in strategies]
            cells += [fmt_number(loss[s][c.firm_id].unmet_mwh) if c.firm_id in loss[s] else "-" for s in strategies]
            cells.append(str(c.cascade_size))
            out.append("| " + " | ".join(_md_escape(x) for x in cells) + " |")
        out.append("")

    if figures:
        out += ["## Figures", ""]
        for fname, caption in figures:
            out += [f"![{caption}]({fname})", "", f"*{caption}*", ""]
        if network_note:
            out += [network_note, ""]

    out += ["## What the metrics mean", ""]
    for m, text in METRIC_MEANINGS.items():
        out.append(f"* **{METRIC_LABELS[m]}**: {text}")
    out.append("")

    if run:
        out += ["## Run parameters", "", "| Parameter | Value |", "|---|---|"]
        for k, v in run.items():
            val = v if isinstance(v, str) else json.dumps(v, sort_keys=True, default=str)
            out.append(f"| {_md_escape(str(k))} | {_md_escape(str(val))} |")
        out.append("")
    return "\n".join(out)


def write_report(results_dir: Path, park: Park | None = None) -> Path:
    """Write ``summary.json``, ``summary.md`` and the plots into ``results_dir``; return ``summary.md``."""
    results_dir = Path(results_dir)
    rows = summary_rows_from_files(results_dir)
    run = read_run(results_dir)
    summary = summarize(rows)
    strategies: list[str] = summary["strategies"]
    crit = {s: criticality(rows, s) for s in strategies}

    figures: list[tuple[str, str]] = []
    curves = read_curves(results_dir)
    plot_pt_curves(curves, rows, results_dir / "pt_curves.png")
    figures.append(("pt_curves.png", "Served fraction P(t) of symbiotic demand over time: mean and 10-90 percentile band per strategy."))
    if any(crit.values()):
        plot_criticality(crit, results_dir / "criticality.png", park)
        figures.append(("criticality.png", "Resilience loss caused by disrupting each of the most critical firms alone."))
    network_note = ""
    picked = _pick_network_scenario(rows, crit)
    if park is not None:
        subs: list[dict[str, str]] = []
        title = ""
        if picked is not None:
            sid, firm = picked
            subs = [r for r in read_links(results_dir) if r["scenario"] == sid and r["strategy"] == PLATFORM]
            title = (f"{park.name}: scenario {sid}, {_firm_label(park, firm)} disrupted\n"
                     f"{len(subs)} BOIS substitute link{'' if len(subs) == 1 else 's'} (dashed green)")
        plot_network(park, results_dir / "network.png", disrupted=[picked[1]] if picked else [], substitutes=subs, title=title)
        figures.append(("network.png", "The park at firm coordinates; the most critical firm's scenario, with the substitute links BOIS established."))
    else:
        network_note = "(No park model given: network.png not drawn.)"

    payload = dict(summary)
    payload["criticality"] = {s: [c._asdict() for c in crit[s][:10]] for s in strategies}
    payload["run"] = run
    (results_dir / "summary.json").write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    md_path = results_dir / "summary.md"
    md_path.write_text(_markdown(summary, crit, run, park, figures, network_note), encoding="utf-8")
    return md_path
