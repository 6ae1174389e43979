"""Resilience metrics of performance curves P(t) and their statistics over scenarios.

Pure functions, no I/O. ``P(t)`` is the served fraction of symbiotic demand at step ``t``
(1 = every symbiotic exchange delivers, 0 = none does); a disruption starts at step ``t0``.

* **robustness** - the lowest performance reached, ``min P(t)`` over the whole curve.
* **resilience loss** - Bruneau's resilience triangle: the area between the pre-disruption
  level and the curve, ``sum_t max(0, pre - P(t)) * dt_h``, in hours of lost service
  (1.0 = one full hour without any symbiotic supply).
* **recovery time** - hours from ``t0`` until performance is back to at least
  ``threshold * pre`` for good (``None`` if not back by the end of the curve).

The scenario-level helpers (:func:`summarize`, :func:`criticality`) take rows as produced
by the runner's ``scenarios.csv`` (strings from :mod:`csv`, or numbers; empty string or
``None`` = missing).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any, Mapping, NamedTuple, Sequence

from scipy import stats

#: Values this far outside [0, 1] are treated as float noise and clipped.
_TOLERANCE = 1e-9

#: Numeric per-scenario metrics summarised by :func:`summarize` (``scenarios.csv`` columns).
SCENARIO_METRICS: tuple[str, ...] = (
    "robustness",
    "resilience_loss",
    "recovery_time_h",
    "cascade_size",
    "unmet_mwh",
    "backup_mwh",
    "backup_cost_eur",
    "backup_co2_t",
    "transactions",
    "gas_used",
    "substitute_links",
)

#: Range of each metric: confidence intervals in :func:`summarize` are clipped to it.
METRIC_BOUNDS: dict[str, tuple[float, float]] = {m: (0.0, math.inf) for m in SCENARIO_METRICS}
METRIC_BOUNDS["robustness"] = (0.0, 1.0)

BASELINE = "bau"
PLATFORM = "bois"

ScenarioRow = Mapping[str, Any]


@dataclass(frozen=True)
class CurveMetrics:
    robustness: float
    resilience_loss: float
    recovery_time_h: float | None


@dataclass(frozen=True)
class MeanCI:
    """Sample mean and its two-sided Student-t confidence interval over ``n`` values."""

    mean: float
    low: float
    high: float
    n: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


class Criticality(NamedTuple):
    """A firm's criticality: what losing it alone does to the park."""

    firm_id: str
    resilience_loss: float
    unmet_mwh: float
    cascade_size: int


# ----------------------------------------------------------------------------------
# curves
# ----------------------------------------------------------------------------------
def _check_curve(p: Sequence[float]) -> list[float]:
    if len(p) == 0:
        raise ValueError("empty performance curve")
    out: list[float] = []
    for i, raw in enumerate(p):
        v = float(raw)
        if math.isnan(v):
            raise ValueError(f"performance curve has NaN at step {i}")
        if v < -_TOLERANCE or v > 1.0 + _TOLERANCE:
            raise ValueError(f"performance curve value {v!r} at step {i} is outside [0, 1]")
        out.append(min(1.0, max(0.0, v)))
    return out


def curve_metrics(p: Sequence[float], t0: int, dt_h: float = 1.0, threshold: float = 0.95) -> CurveMetrics:
    """Robustness, resilience loss and recovery time of the performance curve ``p``.

    ``p[t]`` is the served fraction at step ``t`` (each step lasts ``dt_h`` hours); the
    disruption starts at step ``t0``. The pre-disruption level is ``p[t0-1]`` (1.0 when
    ``t0 == 0``). Recovery: the first step ``t >= t0`` from which ``p`` stays at or above
    ``threshold * pre`` until the end of the curve; the recovery time is ``(t - t0) * dt_h``
    (0.0 if ``p`` never falls below that level after ``t0``; ``None`` if the curve ends
    below it).
    """
    values = _check_curve(p)
    if isinstance(t0, bool) or int(t0) != t0:
        raise ValueError(f"t0 must be an integer step, got {t0!r}")
    t0 = int(t0)
    if not 0 <= t0 < len(values):
        raise ValueError(f"t0={t0} is out of range for a curve of {len(values)} steps")
    if not (dt_h > 0 and math.isfinite(dt_h)):
        raise ValueError(f"dt_h must be a positive number of hours, got {dt_h!r}")
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")

    pre = values[t0 - 1] if t0 > 0 else 1.0
    robustness = min(values)
    resilience_loss = sum(max(0.0, pre - v) for v in values) * dt_h

    level = threshold * pre - 1e-12
    # Walk back from the end: the recovery step is right after the last step below level.
    recovered_from: int | None = t0
    for t in range(len(values) - 1, t0 - 1, -1):
        if values[t] < level:
            recovered_from = t + 1 if t + 1 < len(values) else None
            break
    recovery = None if recovered_from is None else (recovered_from - t0) * dt_h
    return CurveMetrics(robustness=robustness, resilience_loss=resilience_loss, recovery_time_h=recovery)


# ----------------------------------------------------------------------------------
# statistics
# ----------------------------------------------------------------------------------
def mean_ci(values: Sequence[float], confidence: float = 0.95) -> MeanCI:
    """Mean and two-sided Student-t confidence interval (``n == 1``: a zero-width interval)."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    xs = [float(v) for v in values]
    if not xs:
        raise ValueError("mean_ci of no values")
    if any(not math.isfinite(x) for x in xs):
        raise ValueError("mean_ci: values must be finite numbers (filter out missing ones first)")
    n = len(xs)
    mean = math.fsum(xs) / n
    if n == 1:
        return MeanCI(mean, mean, mean, 1)
    var = math.fsum((x - mean) ** 2 for x in xs) / (n - 1)
    half = float(stats.t.ppf((1 + confidence) / 2, n - 1)) * math.sqrt(var / n)
    return MeanCI(mean, mean - half, mean + half, n)


def recovered_share(values: Sequence[float | None]) -> float:
    """Share of scenarios that recovered (a value, not ``None``) - e.g. of recovery times."""
    if len(values) == 0:
        raise ValueError("recovered_share of no values")
    return sum(1 for v in values if v is not None) / len(values)


def relative_change_pct(baseline: float, other: float) -> float | None:
    """``(other - baseline) / |baseline|`` in percent; ``None`` when the baseline is 0."""
    if baseline == 0 or not math.isfinite(baseline) or not math.isfinite(other):
        return None
    return (other - baseline) / abs(baseline) * 100.0


# ----------------------------------------------------------------------------------
# scenario rows
# ----------------------------------------------------------------------------------
def _num(row: ScenarioRow, key: str) -> float | None:
    """A row's numeric cell; ``None`` for a missing column, an empty cell or ``None``."""
    raw = row.get(key)
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = raw.strip()
        if raw == "" or raw.lower() in ("none", "nan", "null"):
            return None
    try:
        v = float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"scenario {row.get('scenario')!r}: {key}={raw!r} is not a number") from None
    return None if math.isnan(v) else v


def _disrupted(row: ScenarioRow) -> list[str]:
    raw = row.get("disrupted")
    if raw is None:
        return []
    if isinstance(raw, (list, tuple)):
        return [str(x) for x in raw]
    return [x for x in str(raw).split("+") if x]


def _strategies(rows: Sequence[ScenarioRow]) -> list[str]:
    seen = list(dict.fromkeys(str(r["strategy"]) for r in rows))
    order = {BASELINE: 0, PLATFORM: 1}
    return sorted(seen, key=lambda s: (order.get(s, 2), seen.index(s)))


def _clipped(ci: MeanCI, lo: float, hi: float) -> MeanCI:
    return MeanCI(ci.mean, min(max(ci.low, lo), hi), max(min(ci.high, hi), lo), ci.n)


def summarize(scenario_rows: Sequence[ScenarioRow], confidence: float = 0.95) -> dict[str, Any]:
    """Per strategy: mean and CI of each metric, recovered share; BOIS vs BAU changes.

    Returns a JSON-ready dict::

        {"confidence": 0.95, "metrics": [...], "strategies": ["bau", "bois"],
         "per_strategy": {"bau": {"n_scenarios": 20, "recovered_share": 0.9,
                                  "metrics": {"robustness": {"mean", "low", "high", "n"} | None, ...}}},
         "change_pct": {"robustness": 12.5 | None, ...},         # (bois - bau) / |bau|, means
         "recovered_share_change_pp": 10.0 | None,               # percentage points
         "paired_diff": {"robustness": {"mean", "low", "high", "n"} | None, ...}}  # bois - bau per scenario

    Per-strategy intervals are clipped to the metric's range (:data:`METRIC_BOUNDS`: no
    negative losses, robustness at most 1); paired differences are not clipped.
    ``recovery_time_h`` is averaged over the recovered scenarios only (see
    ``recovered_share``). ``change_pct``, ``paired_diff`` need both ``bau`` and ``bois``.
    """
    rows = list(scenario_rows)
    if not rows:
        raise ValueError("summarize: no scenario rows")
    for r in rows:
        if "strategy" not in r or "scenario" not in r:
            raise ValueError(f"scenario row without 'scenario'/'strategy': {dict(r)!r}")
    strategies = _strategies(rows)
    by_strategy: dict[str, list[ScenarioRow]] = defaultdict(list)
    for r in rows:
        by_strategy[str(r["strategy"])].append(r)

    per: dict[str, Any] = {}
    for s in strategies:
        srows = by_strategy[s]
        ms: dict[str, dict[str, float | int] | None] = {}
        for m in SCENARIO_METRICS:
            vals = [v for v in (_num(r, m) for r in srows) if v is not None]
            ms[m] = _clipped(mean_ci(vals, confidence), *METRIC_BOUNDS[m]).as_dict() if vals else None
        per[s] = {
            "n_scenarios": len(srows),
            "recovered_share": recovered_share([_num(r, "recovery_time_h") for r in srows]),
            "metrics": ms,
        }

    out: dict[str, Any] = {
        "confidence": confidence,
        "metrics": list(SCENARIO_METRICS),
        "strategies": strategies,
        "per_strategy": per,
        "change_pct": {},
        "recovered_share_change_pp": None,
        "paired_diff": {},
    }
    if BASELINE in per and PLATFORM in per:
        base, plat = per[BASELINE], per[PLATFORM]
        for m in SCENARIO_METRICS:
            b, o = base["metrics"][m], plat["metrics"][m]
            out["change_pct"][m] = None if b is None or o is None else relative_change_pct(b["mean"], o["mean"])
        out["recovered_share_change_pp"] = (plat["recovered_share"] - base["recovered_share"]) * 100.0
        base_rows = {str(r["scenario"]): r for r in by_strategy[BASELINE]}
        plat_rows = {str(r["scenario"]): r for r in by_strategy[PLATFORM]}
        common = [k for k in base_rows if k in plat_rows]
        for m in SCENARIO_METRICS:
            diffs = []
            for k in common:
                b_v, o_v = _num(base_rows[k], m), _num(plat_rows[k], m)
                if b_v is not None and o_v is not None:
                    diffs.append(o_v - b_v)
            out["paired_diff"][m] = mean_ci(diffs, confidence).as_dict() if diffs else None
    return out


def criticality(scenario_rows: Sequence[ScenarioRow], strategy: str) -> list[Criticality]:
    """Firms ranked by what losing each one alone costs under ``strategy``.

    Uses the single-firm ``sweep`` scenarios (or, when the set has no sweep, every
    scenario disrupting exactly one firm). Sorted by resilience loss (largest first),
    ties by unmet energy (largest first), then firm id. A firm disrupted in several such
    scenarios gets the mean resilience loss and unmet energy and its largest cascade.
    """
    rows = [r for r in scenario_rows if str(r.get("strategy")) == strategy and len(_disrupted(r)) == 1]
    sweep = [r for r in rows if str(r.get("kind", "")) == "sweep"]
    if sweep:
        rows = sweep
    acc: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
    for r in rows:
        firm = _disrupted(r)[0]
        loss = _num(r, "resilience_loss")
        if loss is None:
            raise ValueError(f"scenario {r.get('scenario')!r} ({strategy}): missing resilience_loss")
        unmet = _num(r, "unmet_mwh") or 0.0
        cascade = _num(r, "cascade_size") or 0.0
        acc[firm].append((loss, unmet, int(round(cascade))))
    ranked = [
        Criticality(
            firm,
            math.fsum(x[0] for x in xs) / len(xs),
            math.fsum(x[1] for x in xs) / len(xs),
            max(x[2] for x in xs),
        )
        for firm, xs in acc.items()
    ]
    ranked.sort(key=lambda c: (-c.resilience_loss, -c.unmet_mwh, _natural_key(c.firm_id)))
    return ranked


def _natural_key(s: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key putting ``F2`` before ``F10``."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", s) if part)
