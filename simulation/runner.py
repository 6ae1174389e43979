"""Run disruption scenarios under each recovery strategy and collect tidy results.

One :class:`ParkModel` and one prepared strategy object per strategy are reused across
scenarios: BAU resets its off-chain ledger, BOIS reverts the chain to the snapshot taken
right after the park was registered and its offers posted (deploy once, revert per
scenario). Only platform actions go on chain; the physical state stays off chain.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from bois.types import EnergyForm

from .disruptions import Scenario
from .metrics import SCENARIO_METRICS, curve_metrics
from .model import EPS, Link, ParkModel, StepState
from .network import Park
from .strategies import BoisStrategy, RecoveryStrategy

TIMESERIES_FIELDS = (
    "scenario",
    "strategy",
    "step",
    "served_fraction",
    "unmet_mwh",
    "backup_mwh",
    "backup_cost_eur",
    "backup_co2_t",
    "affected_firms",
    "substitute_mw",
)
SCENARIO_FIELDS = (
    "scenario",
    "strategy",
    "kind",
    "disrupted",
    "t0",
    "duration",
    "fraction",
    *SCENARIO_METRICS,
    "failed_transactions",
)
LINK_FIELDS = (
    "scenario",
    "strategy",
    "supplier",
    "consumer",
    "form",
    "mw",
    "start_step",
    "end_step",
    "flowed",
    "agreement_id",
)


class ChainMismatch(RuntimeError):
    """The links the simulation applies differ from the agreements on chain."""


@dataclass
class ScenarioResult:
    scenario: Scenario
    strategy: str
    timeseries: list[dict[str, Any]]
    metrics: dict[str, Any]
    links: list[tuple[Link, int | None]]  # (link, end step or None)
    failed: list[str] = field(default_factory=list)


def _fmt(x: float) -> float:
    return float(round(x, 9))


def simulate_scenario(
    model: ParkModel,
    scenario: Scenario,
    strategy: RecoveryStrategy,
    horizon: int,
    verify_chain: bool = True,
) -> ScenarioResult:
    """Simulate one scenario under one strategy, step by step (one step = one hour)."""
    if scenario.t0 + 1 > horizon:
        raise ValueError(f"scenario {scenario.scenario_id!r}: t0={scenario.t0} is beyond the horizon ({horizon} steps)")
    params = getattr(strategy, "params")
    strategy.start_scenario()
    n = model.n
    cap = np.ones(n)
    disrupted_idx = [model.index[f] for f in scenario.disrupted]
    disrupted = frozenset(scenario.disrupted)
    t_recover = scenario.t0 + scenario.duration
    links: list[Link] = []
    ended: dict[int, int] = {}  # link index -> end step
    short_since = np.full(len(model.D), -1, dtype=np.int64)
    next_try: dict[int, int] = {}
    rows: list[dict[str, Any]] = []
    p_curve: list[float] = []
    dropped = np.zeros(n, dtype=bool)
    totals = dict(unmet=0.0, backup=0.0, cost=0.0, co2=0.0)
    last_key: tuple[Any, ...] | None = None
    state: StepState | None = None

    for t in range(horizon):
        if t == scenario.t0:
            cap[disrupted_idx] = 1.0 - scenario.fraction
            strategy.on_disrupted(scenario.disrupted, t)
        if t == t_recover:
            cap[disrupted_idx] = 1.0
            strategy.on_recovered(scenario.disrupted, t)
            live = [i for i in range(len(links)) if i not in ended]
            if verify_chain and isinstance(strategy, BoisStrategy):
                _verify_against_chain(strategy, [links[i] for i in live], scenario)
            strategy.release([links[i] for i in live], t)
            for i in live:
                ended[i] = t
        active_idx = tuple(i for i, lk in enumerate(links) if lk.start_step <= t and i not in ended)
        allowed = (model.backup_delay == 0) | ((short_since >= 0) & (t - short_since >= model.backup_delay))
        key = (cap.tobytes(), active_idx, allowed.tobytes())
        if key != last_key or state is None:
            state = model.solve(cap, [links[i] for i in active_idx], allowed)
            last_key = key
        # Track when each shortfall of symbiotic supply began (for backup start-up delays).
        need = model.S * cap[model.slot_firm]
        lacking = need - state.sym > EPS
        short_since = np.where(lacking, np.where(short_since >= 0, short_since, t), -1)

        affected = state.level < cap - 1e-6
        dropped |= state.level < 1.0 - 1e-6
        p_curve.append(state.served_fraction)
        totals["unmet"] += state.unmet_mw
        totals["backup"] += state.backup_mw
        totals["cost"] += state.backup_cost_eur_h
        totals["co2"] += state.backup_co2_t_h
        rows.append(
            {
                "scenario": scenario.scenario_id,
                "strategy": strategy.name,
                "step": t,
                "served_fraction": _fmt(state.served_fraction),
                "unmet_mwh": _fmt(state.unmet_mw),
                "backup_mwh": _fmt(state.backup_mw),
                "backup_cost_eur": _fmt(state.backup_cost_eur_h),
                "backup_co2_t": _fmt(state.backup_co2_t_h),
                "affected_firms": int(affected.sum()),
                "substitute_mw": _fmt(state.substitute_mw),
            }
        )

        # Recovery decisions, taken after observing this step, while the disruption lasts.
        if scenario.t0 <= t < t_recover:
            pending = np.zeros(len(model.D))
            for i, lk in enumerate(links):
                if i not in ended and lk.start_step > t:
                    pending[model.slot_of[(lk.consumer, lk.form)]] += lk.mw
            gap = need - state.sym - pending
            for slot in (int(i) for i in np.flatnonzero(gap > params.min_need_mw)):
                consumer = model.firm_ids[int(model.slot_firm[slot])]
                if consumer in disrupted or next_try.get(slot, -1) > t:
                    continue
                form = EnergyForm(int(model.slot_form[slot]))
                # A supplier already contracted for this need is not asked again: if it
                # under-delivers, it is because it lacks output, not contracts.
                asked = frozenset(lk.supplier for lk in links if lk.consumer == consumer and lk.form == form)
                new = strategy.seek(consumer, form, float(gap[slot]), t, disrupted | asked)
                links.extend(new)
                next_try[slot] = t + params.retry_steps

    stats = strategy.stats()
    cm = curve_metrics(p_curve, scenario.t0)
    cascade = dropped.copy()
    cascade[disrupted_idx] = False
    metrics = {
        "scenario": scenario.scenario_id,
        "strategy": strategy.name,
        "kind": scenario.kind,
        "disrupted": "+".join(scenario.disrupted),
        "t0": scenario.t0,
        "duration": scenario.duration,
        "fraction": scenario.fraction,
        "robustness": _fmt(cm.robustness),
        "resilience_loss": _fmt(cm.resilience_loss),
        "recovery_time_h": None if cm.recovery_time_h is None else _fmt(cm.recovery_time_h),
        "cascade_size": int(cascade.sum()),
        "unmet_mwh": _fmt(totals["unmet"]),
        "backup_mwh": _fmt(totals["backup"]),
        "backup_cost_eur": _fmt(totals["cost"]),
        "backup_co2_t": _fmt(totals["co2"]),
        "transactions": stats.transactions,
        "gas_used": stats.gas_used,
        "substitute_links": len(links),
        "failed_transactions": len(getattr(strategy, "failed", [])),
    }
    return ScenarioResult(
        scenario,
        strategy.name,
        rows,
        metrics,
        [(lk, ended.get(i)) for i, lk in enumerate(links)],
        list(getattr(strategy, "failed", [])),
    )


def _verify_against_chain(strategy: BoisStrategy, live: Sequence[Link], scenario: Scenario) -> None:
    """The substitute links applied must be exactly the live agreements on chain."""
    on_chain = sorted((s, c, int(f), round(mw * 1000), aid) for s, c, f, mw, aid in strategy.live_links_on_chain())
    simulated = sorted((lk.supplier, lk.consumer, int(lk.form), round(lk.mw * 1000), lk.agreement_id) for lk in live)
    if on_chain != simulated:
        raise ChainMismatch(
            f"scenario {scenario.scenario_id!r}: simulated links {simulated} differ from live agreements on chain {on_chain}"
        )


def result_to_json(res: ScenarioResult) -> dict[str, Any]:
    sc = res.scenario
    return {
        "scenario": {
            "scenario_id": sc.scenario_id,
            "kind": sc.kind,
            "disrupted": list(sc.disrupted),
            "t0": sc.t0,
            "duration": sc.duration,
            "fraction": sc.fraction,
        },
        "strategy": res.strategy,
        "timeseries": res.timeseries,
        "metrics": res.metrics,
        "links": [
            [
                {
                    "supplier": lk.supplier,
                    "consumer": lk.consumer,
                    "form": int(lk.form),
                    "mw": lk.mw,
                    "start_step": lk.start_step,
                    "agreement_id": lk.agreement_id,
                },
                end,
            ]
            for lk, end in res.links
        ],
        "failed": res.failed,
    }


def result_from_json(data: dict[str, Any]) -> ScenarioResult:
    sc = data["scenario"]
    scenario = Scenario(sc["scenario_id"], sc["kind"], tuple(sc["disrupted"]), sc["t0"], sc["duration"], sc["fraction"])
    links = [
        (
            Link(d["supplier"], d["consumer"], EnergyForm(d["form"]), d["mw"], d["start_step"], d["agreement_id"]),
            end,
        )
        for d, end in data["links"]
    ]
    return ScenarioResult(scenario, data["strategy"], data["timeseries"], data["metrics"], links, data["failed"])


class Checkpoint:
    """Finished scenarios of a run, saved as they finish, so an interrupted sweep resumes
    without recomputing them.

    A folder holding ``fingerprint.json`` (what the run's results depend on: the park,
    the scenarios, the strategies and their parameters, the horizon, the chain kind) and
    ``results.jsonl`` (one finished scenario x strategy per line, flushed and fsynced).
    Scenarios are independent of each other (BOIS reverts the chain to the same snapshot
    before each), so resumed results are identical to an uninterrupted run's.
    """

    def __init__(self, folder: Path, fingerprint: dict[str, Any]) -> None:
        self.folder = Path(folder)
        self.fingerprint = fingerprint
        self._results: dict[tuple[str, str], ScenarioResult] = {}
        self.setup: dict[str, Any] = {}
        meta = self.folder / "fingerprint.json"
        if meta.exists():
            old = json.loads(meta.read_text())
            if old != fingerprint:
                diff = sorted(k for k in set(old) | set(fingerprint) if old.get(k) != fingerprint.get(k))
                raise ValueError(
                    f"cannot resume from {self.folder}: it was made by a run with different {', '.join(diff)}; "
                    "delete it, or run without --resume to start over"
                )
            self._load()
        else:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = meta.with_suffix(".tmp")
            tmp.write_text(json.dumps(fingerprint, indent=1, sort_keys=True))
            os.replace(tmp, meta)

    def _load(self) -> None:
        path = self.folder / "results.jsonl"
        if not path.exists():
            return
        with open(path) as fh:
            for line in fh:
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    break  # a line cut short by the interruption: that scenario reruns
                if rec.get("type") == "setup":
                    self.setup[rec["strategy"]] = rec["setup"]
                else:
                    res = result_from_json(rec)
                    self._results[(res.strategy, res.scenario.scenario_id)] = res

    def __len__(self) -> int:
        return len(self._results)

    def get(self, strategy: str, scenario_id: str) -> ScenarioResult | None:
        return self._results.get((strategy, scenario_id))

    def _append(self, record: dict[str, Any]) -> None:
        with open(self.folder / "results.jsonl", "a") as fh:
            fh.write(json.dumps(record, sort_keys=True) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def add(self, res: ScenarioResult) -> None:
        self._results[(res.strategy, res.scenario.scenario_id)] = res
        self._append(result_to_json(res))

    def add_setup(self, strategy: str, setup: dict[str, Any]) -> None:
        self.setup[strategy] = setup
        self._append({"type": "setup", "strategy": strategy, "setup": setup})

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class StudyConfig:
    horizon: int = 336
    seed: int = 0
    strategies: tuple[str, ...] = ("bau", "bois")
    chain: str = "embedded"  # "embedded", "memory", or a JSON-RPC URL
    scenario_set: str = "sweep"
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class StudyResult:
    park: Park
    config: StudyConfig
    scenarios: list[Scenario]
    results: list[ScenarioResult]
    setup: dict[str, Any]
    elapsed_s: dict[str, float]


def run_study(
    park: Park,
    scenarios: Sequence[Scenario],
    strategies: Sequence[RecoveryStrategy],
    config: StudyConfig,
    progress: Callable[[Iterable[Any], int, str], Iterable[Any]] | None = None,
    checkpoint: Checkpoint | None = None,
) -> StudyResult:
    """Prepare each strategy once, then run every scenario under every strategy.

    With a ``checkpoint``, scenarios it already holds are taken from it, and each newly
    finished scenario is saved to it before the next one starts.
    """
    model = ParkModel(park)
    results: list[ScenarioResult] = []
    setup: dict[str, Any] = {}
    elapsed: dict[str, float] = {}
    for strategy in strategies:
        t_start = time.perf_counter()
        done = {sc.scenario_id: checkpoint.get(strategy.name, sc.scenario_id) for sc in scenarios} if checkpoint else {}
        todo = [sc for sc in scenarios if done.get(sc.scenario_id) is None]
        if todo:
            strategy.prepare(model)
            if isinstance(strategy, BoisStrategy):
                st = strategy.setup_stats
                setup[strategy.name] = {"transactions": st.transactions, "gas_used": st.gas_used, "by_function": st.by_function}
                if checkpoint is not None and strategy.name not in checkpoint.setup:
                    checkpoint.add_setup(strategy.name, setup[strategy.name])
        if checkpoint is not None and strategy.name in checkpoint.setup:
            setup[strategy.name] = checkpoint.setup[strategy.name]
        items: Iterable[Scenario] = todo
        if progress is not None:
            items = progress(todo, len(todo), strategy.name)
        for sc in items:
            res = simulate_scenario(model, sc, strategy, config.horizon)
            done[sc.scenario_id] = res
            if checkpoint is not None:
                checkpoint.add(res)
        for sc in scenarios:
            r = done[sc.scenario_id]
            assert r is not None
            results.append(r)
        elapsed[strategy.name] = time.perf_counter() - t_start
    return StudyResult(park, config, list(scenarios), results, setup, elapsed)


# ----- writing the results folder ------------------------------------------------------
def _write_csv(path: Path, fields: Sequence[str], rows: Iterable[dict[str, Any]]) -> None:
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(fields), lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in fields})


def write_results(study: StudyResult, out_dir: Path, run_info: dict[str, Any], *, report: bool = True) -> Path:
    """Write the results folder atomically: built in a temporary folder beside it, then
    moved into place, so an interrupted run never leaves a folder that looks finished."""
    from .io import save_park

    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        _write_csv(tmp / "timeseries.csv", TIMESERIES_FIELDS, (r for res in study.results for r in res.timeseries))
        _write_csv(tmp / "scenarios.csv", SCENARIO_FIELDS, (res.metrics for res in study.results))
        link_rows = []
        for res in study.results:
            for lk, end in res.links:
                link_rows.append(
                    {
                        "scenario": res.scenario.scenario_id,
                        "strategy": res.strategy,
                        "supplier": lk.supplier,
                        "consumer": lk.consumer,
                        "form": lk.form.name.lower(),
                        "mw": _fmt(lk.mw),
                        "start_step": lk.start_step,
                        "end_step": end,
                        "flowed": int(end is None or end > lk.start_step),
                        "agreement_id": lk.agreement_id or None,
                    }
                )
        _write_csv(tmp / "links.csv", LINK_FIELDS, link_rows)
        failed = [f"{res.scenario.scenario_id} [{res.strategy}] {msg}" for res in study.results for msg in res.failed]
        if failed:
            (tmp / "failed_transactions.txt").write_text("\n".join(failed) + "\n")
        info = dict(run_info)
        info["setup"] = study.setup
        info["elapsed_s"] = {k: round(v, 3) for k, v in study.elapsed_s.items()}
        (tmp / "run.json").write_text(json.dumps(info, indent=2, sort_keys=True, default=str) + "\n")
        save_park(study.park, tmp / "network.json")
        if report:
            from .report import write_report

            write_report(tmp, study.park)
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
            os.replace(out_dir, old)
            os.replace(tmp, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


__all__ = [
    "Checkpoint",
    "ChainMismatch",
    "ScenarioResult",
    "StudyConfig",
    "StudyResult",
    "run_study",
    "simulate_scenario",
    "write_results",
]
