"""``bois simulate``: disruption scenarios, BAU vs BOIS, results folder and report."""

from __future__ import annotations

import argparse
import sys
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable

from .disruptions import SCENARIO_SETS, build_scenarios
from .network import Park
from .strategies import BoisStrategy, BusinessAsUsual, RecoveryParams, RecoveryStrategy

STRATEGIES = ("bau", "bois")


def add_arguments(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group()
    src.add_argument("--case-study", metavar="NAME", help="a case study shipped with BOIS (default: kalundborg)")
    src.add_argument("--network", metavar="FILE", type=Path, help="a park file: .json, .graphml, or firms.csv (+ exchanges.csv)")
    src.add_argument("--generate", metavar="N", type=int, help="a synthetic park of N firms (seeded by --seed)")
    p.add_argument("--scenarios", choices=SCENARIO_SETS, default="sweep", help="scenario set (default: sweep, every firm once)")
    p.add_argument("--k", type=int, default=1, help="firms per random scenario / largest targeted attack (default 1)")
    p.add_argument("--count", type=int, default=20, help="number of random scenarios (default 20)")
    p.add_argument(
        "--firms",
        action="append",
        default=[],
        metavar="ID[,ID...]",
        help="for --scenarios list: firms disrupted together in one scenario (repeat for more scenarios)",
    )
    p.add_argument("--t0", type=int, default=24, help="step (hour) the disruption starts (default 24)")
    p.add_argument("--duration", type=int, default=168, help="hours the disrupted firms stay down (default 168)")
    p.add_argument("--fraction", type=float, default=1.0, help="share of capacity lost, 0 < f <= 1 (default 1)")
    p.add_argument("--horizon", type=int, default=336, help="hours simulated (default 336)")
    p.add_argument("--strategies", default="bau,bois", help="comma-separated: bau, bois (default both)")
    p.add_argument(
        "--chain",
        default="embedded",
        help="where BOIS runs: 'embedded' (in-process eth-tester chain, default), "
        "'memory' (in-memory reference platform, no chain), or a JSON-RPC URL",
    )
    p.add_argument(
        "--keystore",
        metavar="FILE",
        help="with a JSON-RPC --chain: keystore of the signing account (password from $BOIS_KEYSTORE_PASSWORD); "
        "without it $BOIS_PRIVATE_KEY, or a development node's first account",
    )
    p.add_argument(
        "--manifest",
        metavar="FILE",
        help="with a JSON-RPC --chain: run on this deployment (checked: chain id, contract code) instead of deploying",
    )
    p.add_argument(
        "--search",
        choices=("lens", "index"),
        default="lens",
        help="how BOIS firms search offers on a chain: 'lens' (view calls to the OfferSearch contract, default) "
        "or 'index' (an SQLite index that follows the platform's events); same answers",
    )
    p.add_argument("--seed", type=int, default=0, help="seed for generated parks and random scenarios (default 0)")
    p.add_argument("--out", type=Path, default=None, help="results folder (default results/<park name>)")
    p.add_argument("--no-report", action="store_true", help="write the CSV/JSON files only, no plots or report")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted run from its checkpoint (<out>.partial/) instead of starting over",
    )


def load_park(args: argparse.Namespace) -> Park:
    if args.network is not None:
        from .io import load_park as _load

        return _load(args.network)
    if args.generate is not None:
        from .generator import generate_park

        if not 10 <= args.generate <= 10_000:
            raise ValueError(f"--generate: the number of firms must be between 10 and 10000, got {args.generate}")
        return generate_park(args.generate, args.seed)
    from .case_studies import load_case_study

    return load_case_study(args.case_study or "kalundborg")


def make_platform(chain: str, keystore: str | None = None, manifest: str | None = None) -> Any:
    """The platform BOIS runs on: in memory, the embedded chain, or a JSON-RPC node."""
    if chain in ("memory", "embedded") and (keystore or manifest):
        raise ValueError(f"--keystore and --manifest need a JSON-RPC --chain URL, not --chain {chain}")
    if chain == "memory":
        from bois.memory import MemoryPlatform

        return MemoryPlatform()
    if chain == "embedded":
        from bois.chain_platform import ChainPlatform

        return ChainPlatform.embedded()
    if chain.startswith(("http://", "https://")):
        from bois.chain import RpcError
        from bois.chain_platform import ChainPlatform
        from bois.keys import resolve_key

        platform = ChainPlatform.rpc(chain, resolve_key(keystore), manifest=manifest)
        try:  # every scenario starts from the same chain state: the node must support snapshots
            platform.revert(platform.snapshot())
        except RpcError as exc:
            raise ValueError(
                f"--chain {chain}: the sweep reverts the chain to a snapshot between scenarios, but this node "
                f"({getattr(platform.chain, 'client_version', 'unknown')}) refused evm_snapshot/evm_revert ({exc.rpc_message}); "
                "run it on a development node (bois node / anvil, hardhat) or use --chain memory"
            ) from None
        return platform
    raise ValueError(f"--chain: expected 'embedded', 'memory' or a JSON-RPC URL (http://...), got {chain!r}")


def _versions() -> dict[str, str]:
    out = {}
    for pkg in ("bois", "web3", "eth-tester", "py-evm", "networkx", "numpy"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return out


def run(args: argparse.Namespace) -> int:
    import hashlib
    import json

    from .io import dumps_json
    from .report import format_summary_table
    from .runner import Checkpoint, StudyConfig, run_study, write_results

    strategies_named = [s.strip() for s in args.strategies.split(",") if s.strip()]
    bad = [s for s in strategies_named if s not in STRATEGIES]
    if bad or not strategies_named:
        raise ValueError(f"--strategies: unknown {', '.join(bad) or '(empty)'}; known: {', '.join(STRATEGIES)}")
    if args.horizon < 2:
        raise ValueError(f"--horizon must be >= 2 hours, got {args.horizon}")
    if not 1 <= args.t0 < args.horizon:
        raise ValueError(f"--t0 must be between 1 and horizon-1 ({args.horizon - 1}), got {args.t0}")
    park = load_park(args)
    groups = [[f.strip() for f in g.split(",") if f.strip()] for g in args.firms]
    if args.firms and args.scenarios != "list":
        raise ValueError("--firms is only used with --scenarios list")
    scenarios = build_scenarios(
        park,
        args.scenarios,
        t0=args.t0,
        duration=args.duration,
        fraction=args.fraction,
        k=args.k,
        count=args.count,
        seed=args.seed,
        groups=groups,
    )
    params = RecoveryParams()
    strategies: list[RecoveryStrategy] = []
    for name in strategies_named:
        if name == "bau":
            strategies.append(BusinessAsUsual(params))
        else:
            strategies.append(
                BoisStrategy(make_platform(args.chain, args.keystore, args.manifest), params, search=args.search)
            )
    config = StudyConfig(horizon=args.horizon, seed=args.seed, strategies=tuple(strategies_named), chain=args.chain, scenario_set=args.scenarios)

    progress = None
    if not args.no_progress:
        from tqdm import tqdm

        def progress(items: Iterable[Any], total: int, label: str) -> Iterable[Any]:
            return tqdm(items, total=total, desc=f"{label:>4}", unit="scenario", file=sys.stderr, leave=False)

    print(f"park {park.name!r}: {len(park)} firms, {park.graph.number_of_edges()} exchanges, "
          f"{park.total_symbiotic_mw():.1f} MW exchanged; {len(scenarios)} scenarios ({args.scenarios}), "
          f"strategies {', '.join(strategies_named)}, chain {args.chain if 'bois' in strategies_named else '-'}")
    out = args.out or Path("results") / park.name.lower().replace(" ", "_")
    partial = out.with_name(out.name + ".partial")
    fingerprint = {
        "park_sha256": hashlib.sha256(dumps_json(park).encode()).hexdigest(),
        "scenarios": [[s.scenario_id, list(s.disrupted), s.t0, s.duration, s.fraction] for s in scenarios],
        "strategies": strategies_named,
        "horizon": args.horizon,
        "chain": args.chain if args.chain in ("embedded", "memory") else "json-rpc",
        "search": args.search,
        "recovery_params": repr(params),
    }
    if partial.exists() and not args.resume:
        print(f"discarding the checkpoint of an earlier unfinished run in {partial}/ (use --resume to continue it)")
        import shutil

        shutil.rmtree(partial)
    checkpoint = Checkpoint(partial, fingerprint)
    if len(checkpoint):
        print(f"resuming: {len(checkpoint)} finished scenario runs taken from {partial}/")
    try:
        study = run_study(park, scenarios, strategies, config, progress, checkpoint)
    except KeyboardInterrupt:
        print(
            f"interrupted: {len(checkpoint)} finished scenario runs are saved in {partial}/; "
            f"rerun the same command with --resume to continue",
            file=sys.stderr,
        )
        raise
    run_info = {
        "park": park.name,
        "firms": len(park),
        "exchanges": park.graph.number_of_edges(),
        "scenario_set": args.scenarios,
        "scenarios": len(scenarios),
        "t0": args.t0,
        "duration": args.duration,
        "fraction": args.fraction,
        "horizon": args.horizon,
        "seed": args.seed,
        "strategies": strategies_named,
        "chain": args.chain if args.chain in ("embedded", "memory") else "json-rpc",  # never the URL (it may hold credentials)
        "search": args.search,
        "recovery_params": {k: (v if not isinstance(v, dict) else {f.name.lower(): d for f, d in v.items()}) for k, v in vars(params).items()},
        "versions": _versions(),
    }
    write_results(study, out, run_info, report=not args.no_report)
    checkpoint.remove()
    if not args.no_report:
        summary = json.loads((out / "summary.json").read_text())
        print(format_summary_table(summary))
    failed = sum(len(r.failed) for r in study.results)
    if failed:
        print(f"{failed} platform transactions reverted during recovery; see {out / 'failed_transactions.txt'}")
    print(f"results written to {out}/")
    return 0
