"""Resilience metrics on small hand-computed curves and scenario rows."""

from __future__ import annotations

import math

import pytest

from simulation.metrics import (
    Criticality,
    CurveMetrics,
    MeanCI,
    criticality,
    curve_metrics,
    mean_ci,
    recovered_share,
    relative_change_pct,
    summarize,
)


# ----- curve_metrics ----------------------------------------------------------------
def test_dip_and_recovery() -> None:
    m = curve_metrics([1, 1, 0.5, 0.5, 1, 1], t0=2)
    assert m == CurveMetrics(robustness=0.5, resilience_loss=1.0, recovery_time_h=2.0)


def test_never_recovers() -> None:
    m = curve_metrics([1, 1, 0.5, 0.6, 0.7, 0.8], t0=2)
    assert m.robustness == 0.5
    assert m.resilience_loss == pytest.approx(0.5 + 0.4 + 0.3 + 0.2)
    assert m.recovery_time_h is None


def test_never_drops() -> None:
    m = curve_metrics([1, 1, 1, 0.97, 1], t0=2)  # 0.97 >= 0.95: never below the threshold
    assert m.recovery_time_h == 0.0
    assert m.robustness == 0.97
    assert m.resilience_loss == pytest.approx(0.03)


def test_flat_curve() -> None:
    assert curve_metrics([1.0] * 5, t0=0) == CurveMetrics(1.0, 0.0, 0.0)


def test_recovered_exactly_at_last_step() -> None:
    m = curve_metrics([1, 0.2, 0.2, 1], t0=1)
    assert m.recovery_time_h == 2.0


def test_below_at_last_step_is_not_recovered() -> None:
    assert curve_metrics([1, 0.2, 1, 0.9], t0=1).recovery_time_h is None


def test_relapse_counts_from_the_last_dip() -> None:
    # back at step 3 but dips again at step 4: recovered for good only from step 5
    m = curve_metrics([1, 0.5, 0.5, 1, 0.8, 1, 1], t0=1)
    assert m.recovery_time_h == 4.0
    assert m.resilience_loss == pytest.approx(0.5 + 0.5 + 0.2)


def test_partial_pre_level() -> None:
    # pre-disruption level 0.8: threshold 0.95 * 0.8 = 0.76; loss measured against 0.8
    p = [0.8, 0.8, 0.4, 0.6, 0.77, 0.8]
    m = curve_metrics(p, t0=2)
    assert m.robustness == 0.4
    assert m.resilience_loss == pytest.approx(0.4 + 0.2 + 0.03)
    assert m.recovery_time_h == 2.0  # step 4 (0.77 >= 0.76) onwards


def test_pre_level_ignores_steps_above_it() -> None:
    # values above the pre level do not earn credit
    m = curve_metrics([0.5, 1.0, 0.25, 0.5], t0=1)
    assert m.resilience_loss == pytest.approx(0.25)
    assert m.recovery_time_h == 2.0


def test_t0_zero_uses_full_service_as_pre() -> None:
    m = curve_metrics([0.5, 0.5, 1.0], t0=0)
    assert m.resilience_loss == pytest.approx(1.0)
    assert m.recovery_time_h == 2.0


def test_quarter_hour_steps() -> None:
    m = curve_metrics([1, 1, 0.5, 0.5, 1, 1], t0=2, dt_h=0.25)
    assert m.resilience_loss == pytest.approx(0.25)
    assert m.recovery_time_h == pytest.approx(0.5)


def test_custom_threshold() -> None:
    p = [1, 0.5, 0.85, 0.85]
    assert curve_metrics(p, t0=1, threshold=0.8).recovery_time_h == 1.0
    assert curve_metrics(p, t0=1).recovery_time_h is None


def test_tiny_excess_is_clipped() -> None:
    m = curve_metrics([1 + 1e-12, 1.0, -1e-13, 1.0], t0=2)
    assert m.robustness == 0.0
    assert m.resilience_loss == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("p", "t0", "kwargs", "match"),
    [
        ([], 0, {}, "empty"),
        ([1.0, 0.5], 2, {}, "t0=2 is out of range"),
        ([1.0, 0.5], -1, {}, "out of range"),
        ([1.0, 1.2], 0, {}, "outside"),
        ([1.0, -0.1], 0, {}, "outside"),
        ([1.0, math.nan], 0, {}, "NaN"),
        ([1.0, 0.5], 1, {"dt_h": 0.0}, "dt_h"),
        ([1.0, 0.5], 1, {"threshold": 1.5}, "threshold"),
    ],
)
def test_curve_validation(p: list[float], t0: int, kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        curve_metrics(p, t0, **kwargs)


# ----- statistics -------------------------------------------------------------------
def test_mean_ci_student_t() -> None:
    ci = mean_ci([1, 2, 3])
    half = 4.302653 * 1 / math.sqrt(3)  # t(0.975, 2) * s / sqrt(n), s = 1
    assert ci.mean == 2.0 and ci.n == 3
    assert ci.low == pytest.approx(2 - half, abs=1e-6)
    assert ci.high == pytest.approx(2 + half, abs=1e-6)


def test_mean_ci_other_confidence() -> None:
    ci = mean_ci([1, 2, 3], confidence=0.9)
    assert ci.high - 2 == pytest.approx(2.919986 / math.sqrt(3), abs=1e-6)


def test_mean_ci_single_and_empty() -> None:
    assert mean_ci([4.5]) == MeanCI(4.5, 4.5, 4.5, 1)
    with pytest.raises(ValueError, match="no values"):
        mean_ci([])
    with pytest.raises(ValueError, match="finite"):
        mean_ci([1.0, math.nan])


def test_recovered_share() -> None:
    assert recovered_share([1.0, None, 0.0, None]) == 0.5
    with pytest.raises(ValueError):
        recovered_share([])


def test_relative_change() -> None:
    assert relative_change_pct(10.0, 5.0) == -50.0
    assert relative_change_pct(-2.0, -1.0) == 50.0
    assert relative_change_pct(0.0, 1.0) is None


# ----- scenario rows ----------------------------------------------------------------
def _row(sid: str, strategy: str, firm: str, loss: float, unmet: float, cascade: int, rec: str = "3",
         kind: str = "sweep", **extra: str) -> dict[str, str]:
    r = {"scenario": sid, "strategy": strategy, "kind": kind, "disrupted": firm, "robustness": "0.5",
         "resilience_loss": str(loss), "recovery_time_h": rec, "cascade_size": str(cascade),
         "unmet_mwh": str(unmet), "backup_mwh": "1", "backup_cost_eur": "100", "backup_co2_t": "0.2",
         "transactions": "0", "gas_used": "", "substitute_links": "0"}
    r.update(extra)
    return r


def test_criticality_order_and_ties() -> None:
    rows = [
        _row("s1", "bau", "F2", 3.0, 10.0, 2),
        _row("s2", "bau", "F10", 5.0, 1.0, 4),
        _row("s3", "bau", "F3", 3.0, 20.0, 1),  # same loss as F2, more unmet: before F2
        _row("s4", "bau", "F1", 3.0, 10.0, 3),  # same loss and unmet as F2: by id, F1 first
        _row("s5", "bau", "F1+F2", 9.0, 9.0, 9, kind="targeted"),  # not single-firm
        _row("s1", "bois", "F2", 0.5, 0.0, 1),
    ]
    got = criticality(rows, "bau")
    assert [c.firm_id for c in got] == ["F10", "F3", "F1", "F2"]
    assert got[0] == Criticality("F10", 5.0, 1.0, 4)
    assert criticality(rows, "bois") == [Criticality("F2", 0.5, 0.0, 1)]
    assert criticality(rows, "nothing") == []


def test_criticality_natural_id_order_and_repeats() -> None:
    rows = [
        _row("a", "bau", "F10", 1.0, 1.0, 1),
        _row("b", "bau", "F9", 1.0, 1.0, 1),
        _row("c", "bau", "F9", 3.0, 3.0, 5),  # second sweep scenario of F9: mean loss 2, max cascade 5
    ]
    assert criticality(rows, "bau") == [Criticality("F9", 2.0, 2.0, 5), Criticality("F10", 1.0, 1.0, 1)]


def test_criticality_prefers_sweep_rows() -> None:
    rows = [_row("a", "bau", "F1", 1.0, 1.0, 1), _row("b", "bau", "F2", 7.0, 1.0, 1, kind="random")]
    assert [c.firm_id for c in criticality(rows, "bau")] == ["F1"]
    rows = [_row("b", "bau", "F2", 7.0, 1.0, 1, kind="random")]
    assert [c.firm_id for c in criticality(rows, "bau")] == ["F2"]


def test_summarize() -> None:
    rows = [
        _row("s1", "bau", "A", 4.0, 10.0, 2, rec=""),
        _row("s2", "bau", "B", 2.0, 20.0, 3, rec="6"),
        _row("s1", "bois", "A", 1.0, 5.0, 2, rec="2", transactions="4", gas_used="400000"),
        _row("s2", "bois", "B", 2.0, 5.0, 1, rec="4", transactions="6", gas_used="600000"),
    ]
    s = summarize(rows)
    assert s["strategies"] == ["bau", "bois"]
    bau, bois = s["per_strategy"]["bau"], s["per_strategy"]["bois"]
    assert bau["n_scenarios"] == 2
    assert bau["recovered_share"] == 0.5 and bois["recovered_share"] == 1.0
    assert s["recovered_share_change_pp"] == 50.0
    assert bau["metrics"]["resilience_loss"]["mean"] == 3.0
    assert bau["metrics"]["recovery_time_h"] == {"mean": 6.0, "low": 6.0, "high": 6.0, "n": 1}
    assert bois["metrics"]["recovery_time_h"]["mean"] == 3.0
    assert bau["metrics"]["gas_used"] is None
    assert bois["metrics"]["gas_used"]["mean"] == 500000.0
    assert s["change_pct"]["resilience_loss"] == pytest.approx(-50.0)  # 3 -> 1.5
    assert s["change_pct"]["unmet_mwh"] == pytest.approx(-(15 - 5) / 15 * 100)
    assert s["change_pct"]["transactions"] is None  # BAU mean 0
    assert s["change_pct"]["gas_used"] is None
    # paired: bois - bau per scenario: [-3, 0]
    pd = s["paired_diff"]["resilience_loss"]
    assert pd["mean"] == -1.5 and pd["n"] == 2
    assert s["paired_diff"]["recovery_time_h"]["n"] == 1  # s1 not recovered under bau


def test_summarize_clips_intervals_to_the_metric_range() -> None:
    rows = [_row("s1", "bau", "A", 0.1, 1.0, 1, robustness="0.99"), _row("s2", "bau", "B", 9.0, 1.0, 1, robustness="0.2")]
    m = summarize(rows)["per_strategy"]["bau"]["metrics"]
    raw = mean_ci([0.1, 9.0])
    assert raw.low < 0 and m["resilience_loss"]["low"] == 0.0 and m["resilience_loss"]["high"] == raw.high
    assert m["robustness"]["high"] == 1.0 and m["robustness"]["low"] == 0.0


def test_summarize_single_strategy_and_errors() -> None:
    s = summarize([_row("s1", "bois", "A", 1.0, 1.0, 1)])
    assert s["strategies"] == ["bois"] and s["change_pct"] == {} and s["paired_diff"] == {}
    with pytest.raises(ValueError, match="no scenario rows"):
        summarize([])
    with pytest.raises(ValueError, match="not a number"):
        summarize([_row("s1", "bau", "A", 1.0, 1.0, 1, unmet_mwh="lots")])
