"""The runner end to end: results folder, determinism, chain agreement, faults, resume."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path
from typing import Any, Iterable

import pytest

import simulation.runner as runner
from bois.chain_platform import ChainPlatform
from bois.cli import main
from bois.errors import OfferOverAllocated
from bois.memory import MemoryPlatform
from bois.types import EnergyForm as E
from simulation.disruptions import Scenario, sweep
from simulation.io import save_park
from simulation.model import Link
from simulation.network import Demand, Exchange, FirmSpec, Output, Park
from simulation.runner import Checkpoint, ChainMismatch, StudyConfig, run_study, simulate_scenario
from simulation.strategies import BoisStrategy, BusinessAsUsual


def toy() -> Park:
    firms = [
        FirmSpec("A", "Power", "power", 0, 0, {}, {E.STEAM: Output(15, 200)}),
        FirmSpec("B", "Refinery", "refinery", 1, 0, {E.STEAM: Demand(20, 150)}, {E.FUEL_GAS: Output(8)}),
        FirmSpec("C", "Plasterboard", "building_materials", 2, 0, {E.FUEL_GAS: Demand(5)}, {E.STEAM: Output(4, 160)}),
        FirmSpec("D", "Boiler", "utility", 1, 1, {}, {E.STEAM: Output(12, 180)}),
    ]
    ex = [Exchange("A", "B", E.STEAM, 10), Exchange("B", "C", E.FUEL_GAS, 5)]
    return Park("toy", firms, ex)


SHORT = dict(t0=3, duration=20)
HORIZON = 40


@pytest.fixture(scope="module")
def chain() -> ChainPlatform:
    return ChainPlatform.embedded()


def metrics_without_gas(study: runner.StudyResult) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.metrics.items() if k != "gas_used"} for r in study.results]


def test_bois_on_the_chain_gives_the_same_results_as_the_reference_model(chain: ChainPlatform) -> None:
    park, scenarios = toy(), sweep(toy(), **SHORT)
    cfg = StudyConfig(horizon=HORIZON)
    snap = chain.snapshot()
    try:
        on_chain = run_study(park, scenarios, [BoisStrategy(chain)], cfg)
    finally:
        chain.revert(snap)
    in_memory = run_study(park, scenarios, [BoisStrategy(MemoryPlatform())], cfg)
    assert metrics_without_gas(on_chain) == metrics_without_gas(in_memory)
    assert [r.timeseries for r in on_chain.results] == [r.timeseries for r in in_memory.results]
    a_down = next(r for r in on_chain.results if r.scenario.disrupted == ("A",))
    assert a_down.metrics["gas_used"] > 0 and a_down.metrics["transactions"] >= 4
    assert all(r.metrics["gas_used"] == 0 for r in in_memory.results)


def test_simulated_links_are_the_live_agreements_on_chain(chain: ChainPlatform) -> None:
    """Check the flows against the chain at every step of the disruption, not only at the end."""
    park = toy()
    snap = chain.snapshot()
    try:
        bois = BoisStrategy(chain)
        model = runner.ParkModel(park)
        bois.prepare(model)
        seen: list[list[tuple[str, str, int, int, int]]] = []
        original_seek = bois.seek

        def seek_and_check(*args: Any) -> list[Link]:
            new = original_seek(*args)
            seen.append(sorted((s, c, int(f), round(mw * 1000), aid) for s, c, f, mw, aid in bois.live_links_on_chain()))
            return new

        bois.seek = seek_and_check  # type: ignore[method-assign]
        res = simulate_scenario(model, Scenario("a", "list", ("A",), **SHORT), bois, HORIZON)
        links = sorted((lk.supplier, lk.consumer, int(lk.form), round(lk.mw * 1000), lk.agreement_id) for lk, _ in res.links)
        assert links and seen[-1] == links
        # and the energy that flowed on those links is what the agreements say (suppliers at full level)
        flowing = [row["substitute_mw"] for row in res.timeseries if row["substitute_mw"] > 0]
        assert max(flowing) == pytest.approx(sum(q for *_, q, _ in links) / 1000)
        assert bois.live_links_on_chain() == []  # all terminated at recovery
    finally:
        chain.revert(snap)


def test_a_link_the_chain_does_not_hold_stops_the_run(chain: ChainPlatform) -> None:
    park = toy()
    snap = chain.snapshot()
    try:
        bois = BoisStrategy(chain)
        bois.prepare(runner.ParkModel(park))
        original_seek = bois.seek

        def seek_then_cancel(*args: Any) -> list[Link]:
            new = original_seek(*args)
            for lk in new:  # somebody terminates the agreement behind the simulation's back
                chain.terminate_agreement(bois.account[lk.consumer], lk.agreement_id)
            return new

        bois.seek = seek_then_cancel  # type: ignore[method-assign]
        with pytest.raises(ChainMismatch, match="differ from live agreements on chain"):
            simulate_scenario(runner.ParkModel(park), Scenario("a", "list", ("A",), **SHORT), bois, HORIZON)
    finally:
        chain.revert(snap)


class FlakyPlatform(MemoryPlatform):
    """The first offer anybody proposes against is taken by somebody else: every proposal
    against it reverts, alone or in a batch (which then reverts whole)."""

    def __init__(self) -> None:
        super().__init__()
        self.taken: int | None = None

    def _check(self, offer_id: int, quantity: int) -> None:
        if self.taken is None:
            self.taken = offer_id
        if offer_id == self.taken:
            raise OfferOverAllocated(offer_id, quantity, 0)

    def propose_agreement(self, sender: str, offer_id: int, quantity: int, duration_s: int) -> int:
        self._check(offer_id, quantity)
        return super().propose_agreement(sender, offer_id, quantity, duration_s)

    def propose_agreements(self, sender: str, proposals: Any) -> list[int]:
        for offer_id, quantity, _ in proposals:
            self._check(offer_id, quantity)
        return super().propose_agreements(sender, proposals)


@pytest.mark.parametrize("batch", [True, False])
def test_a_reverted_proposal_is_reported_and_recovery_goes_on(batch: bool) -> None:
    park = toy()
    bois = BoisStrategy(FlakyPlatform(), batch=batch)
    model = runner.ParkModel(park)
    bois.prepare(model)
    res = simulate_scenario(model, Scenario("a", "list", ("A",), **SHORT), bois, HORIZON)
    # batching: the batch (C 4 MW + D 6 MW) reverts whole, then C alone reverts; one by one: C reverts
    expected = ["proposeAgreements(2 proposals)", "proposeAgreement(offer"] if batch else ["proposeAgreement(offer"]
    assert len(res.failed) == len(expected)
    assert all(e in f and "OfferOverAllocated" in f for e, f in zip(expected, res.failed))
    assert res.metrics["failed_transactions"] == len(expected)
    # C's offer failed; D's 10 MW made up for it
    assert [(lk.supplier, lk.mw) for lk, _ in res.links if lk.form == E.STEAM] == [("D", 10.0)]


def test_batched_proposals_are_one_transaction_with_the_same_flows() -> None:
    park = toy()
    out = {}
    for batch in (True, False):
        bois = BoisStrategy(MemoryPlatform(), batch=batch)
        model = runner.ParkModel(park)
        bois.prepare(model)
        bois.start_scenario()
        res = simulate_scenario(model, Scenario("a", "list", ("A",), **SHORT), bois, HORIZON)
        out[batch] = res
    steam = {b: [(lk.supplier, lk.mw) for lk, _ in r.links if lk.form == E.STEAM] for b, r in out.items()}
    assert steam[True] == steam[False] == [("C", 4.0), ("D", 6.0)]
    # the same recovery, one transaction fewer: one proposeAgreements instead of two proposeAgreement
    assert out[True].metrics["transactions"] == out[False].metrics["transactions"] - 1
    assert not out[True].failed and not out[False].failed


def test_an_interrupted_study_resumes_without_recomputing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    park, scenarios = toy(), sweep(toy(), **SHORT)
    cfg = StudyConfig(horizon=HORIZON)
    whole = run_study(park, scenarios, [BusinessAsUsual(), BoisStrategy(MemoryPlatform())], cfg)

    class Stop(Exception):
        pass

    def stop_after_two(items: Iterable[Any], total: int, label: str) -> Iterable[Any]:
        for i, x in enumerate(items):
            if label == "bois" and i == 2:
                raise Stop
            yield x

    ck = Checkpoint(tmp_path / "ck", {"run": 1})
    with pytest.raises(Stop):
        run_study(park, scenarios, [BusinessAsUsual(), BoisStrategy(MemoryPlatform())], cfg, stop_after_two, ck)
    assert len(Checkpoint(tmp_path / "ck", {"run": 1})) == len(scenarios) + 2

    calls: list[str] = []
    real = runner.simulate_scenario

    def counting(model: Any, sc: Scenario, strategy: Any, horizon: int, verify_chain: bool = True) -> Any:
        calls.append(f"{strategy.name}:{sc.scenario_id}")
        return real(model, sc, strategy, horizon, verify_chain)

    monkeypatch.setattr(runner, "simulate_scenario", counting)
    resumed = run_study(
        park, scenarios, [BusinessAsUsual(), BoisStrategy(MemoryPlatform())], cfg, None, Checkpoint(tmp_path / "ck", {"run": 1})
    )
    assert calls == [f"bois:{s.scenario_id}" for s in scenarios[2:]]
    assert [r.metrics for r in resumed.results] == [r.metrics for r in whole.results]
    assert [r.timeseries for r in resumed.results] == [r.timeseries for r in whole.results]
    assert [r.links for r in resumed.results] == [r.links for r in whole.results]
    with pytest.raises(ValueError, match="different run"):
        Checkpoint(tmp_path / "ck", {"run": 2})


# ----- the command line --------------------------------------------------------------
@pytest.fixture
def park_file(tmp_path: Path) -> Path:
    path = tmp_path / "toy.json"
    save_park(toy(), path)
    return path


def simulate(*args: str) -> int:
    return main(["simulate", "--no-progress", "--horizon", "40", "--t0", "3", "--duration", "20", *args])


def test_cli_writes_a_complete_folder_and_the_same_numbers_every_time(
    park_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert simulate("--network", str(park_file), "--chain", "memory", "--out", str(tmp_path / "a")) == 0
    out = capsys.readouterr().out
    assert "Resilience loss" in out and "results written to" in out
    assert simulate("--network", str(park_file), "--chain", "memory", "--out", str(tmp_path / "b"), "--no-report") == 0
    for name in ("timeseries.csv", "scenarios.csv", "links.csv", "network.json"):
        assert filecmp.cmp(tmp_path / "a" / name, tmp_path / "b" / name, shallow=False), name
    a = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert {"pt_curves.png", "criticality.png", "network.png", "summary.md", "summary.json", "run.json"} <= set(a)
    run = json.loads((tmp_path / "a" / "run.json").read_text())
    assert run["firms"] == 4 and run["strategies"] == ["bau", "bois"] and run["chain"] == "memory"
    assert not (tmp_path / "a.partial").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize(
    "args, message",
    [
        (["--strategies", "bau,magic"], "--strategies: unknown magic"),
        (["--firms", "A"], "--firms is only used with --scenarios list"),
        (["--scenarios", "list", "--firms", "A,Z"], "unknown firm id(s) 'Z'"),
        (["--chain", "ftp://x"], "--chain: expected 'embedded', 'memory' or a JSON-RPC URL"),
        (["--t0", "0"], "--t0 must be between 1 and"),
    ],
)
def test_cli_bad_options_fail_clearly_and_write_nothing(
    park_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    out = tmp_path / "res"
    assert simulate("--network", str(park_file), "--chain", "memory", "--out", str(out), *args) == 1
    assert message in capsys.readouterr().err
    assert not out.exists() and not (tmp_path / "res.partial").exists()


def test_cli_bad_park_file_names_file_record_and_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "format": "bois-park/1",
                "name": "bad",
                "firms": [{"id": "a", "name": "A", "sector": "power", "x_km": 0, "y_km": 0, "outputs": {"steam": -3}}],
                "exchanges": [],
            }
        )
    )
    assert simulate("--network", str(bad), "--chain", "memory", "--out", str(tmp_path / "r")) == 1
    err = capsys.readouterr().err
    assert "bad.json" in err and "firms[0]" in err and "outputs.steam" in err
    assert not (tmp_path / "r").exists()


def test_index_search_gives_the_lens_results() -> None:
    """BOIS recovery searching through the SQLite event index gives exactly the results of the
    on-chain lens (same links, agreement ids, metrics, gas), scenario by scenario, with the
    chain reverted to the setup snapshot between scenarios (the index rolls back with it)."""
    from simulation.generator import generate_park

    park = generate_park(12, 3)
    scenarios = sweep(park, t0=3, duration=12)
    cfg = StudyConfig(horizon=30)
    runs = {}
    for search in ("lens", "index"):
        strategy = BoisStrategy(ChainPlatform.embedded(), search=search)
        runs[search] = run_study(park, scenarios, [strategy], cfg)
        if search == "index":
            assert strategy._searcher is not strategy.platform  # really the index
            assert strategy._searcher.index.events_applied > 0
    lens, index = runs["lens"].results, runs["index"].results
    assert sum(len(r.links) for r in lens) > 0, "the park must need substitutes for the comparison to mean anything"
    for a, b in zip(lens, index, strict=True):
        assert a.metrics == b.metrics
        assert a.links == b.links and a.failed == b.failed
        assert a.timeseries == b.timeseries
