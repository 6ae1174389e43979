#!/usr/bin/env python3
"""Benchmark the simulation, side by side in one run (a script, never a timed test).

1. A generated 100-firm park's systematic sweep (every firm once) under BAU, under BOIS
   on the embedded chain, and under BOIS on the in-memory platform; ratios to BAU and
   chain vs memory.
2. How the off-chain simulation grows from 1,000 to 10,000 firms: a fixed number of
   random single-firm scenarios under BAU and under BOIS on the in-memory platform.

Medians of ``--repeat`` runs are reported (the machines are shared and noisy).

    python scripts/benchmark.py               # both parts
    python scripts/benchmark.py --quick       # smaller, for a smoke run
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bois.memory import MemoryPlatform  # noqa: E402
from simulation.disruptions import monte_carlo, sweep  # noqa: E402
from simulation.generator import generate_park  # noqa: E402
from simulation.network import Park  # noqa: E402
from simulation.runner import StudyConfig, run_study  # noqa: E402
from simulation.strategies import BoisStrategy, BusinessAsUsual, RecoveryStrategy  # noqa: E402


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times = []
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def study(park: Park, scenarios: list[Any], make: Callable[[], RecoveryStrategy], horizon: int) -> Any:
    return run_study(park, scenarios, [make()], StudyConfig(horizon=horizon))


def part_sweep(n: int, seed: int, horizon: int, repeat: int, with_chain: bool) -> None:
    park = generate_park(n, seed)
    scenarios = sweep(park, 24, 168)
    print(f"\n== Systematic sweep of a generated {n}-firm park (seed {seed}): {len(scenarios)} scenarios x {horizon} h ==")
    rows: list[tuple[str, float, Any]] = []
    t_bau, r_bau = timed(lambda: study(park, scenarios, BusinessAsUsual, horizon), repeat)
    rows.append(("BAU (no platform)", t_bau, r_bau))
    t_mem, r_mem = timed(lambda: study(park, scenarios, lambda: BoisStrategy(MemoryPlatform()), horizon), repeat)
    rows.append(("BOIS, in-memory platform", t_mem, r_mem))
    if with_chain:
        from bois.chain_platform import ChainPlatform

        t_chain, r_chain = timed(lambda: study(park, scenarios, lambda: BoisStrategy(ChainPlatform.embedded()), horizon), 1)
        rows.append(("BOIS, embedded chain (eth-tester)", t_chain, r_chain))
    print(f"{'strategy / platform':<36}{'time s':>9}{'x BAU':>8}{'setup tx':>10}{'sweep tx':>10}{'sweep gas':>13}")
    for label, t, res in rows:
        setup_tx = sum(v["transactions"] for v in res.setup.values())
        tx = sum(r.metrics["transactions"] for r in res.results)
        gas = sum(r.metrics["gas_used"] for r in res.results)
        print(f"{label:<36}{t:>9.2f}{t / t_bau:>8.2f}{setup_tx:>10}{tx:>10}{gas:>13,}")
    if with_chain:
        print(f"chain / memory time ratio: {t_chain / t_mem:.2f}")
        same = [r.metrics for r in r_chain.results] == [
            {**r.metrics, "gas_used": c.metrics["gas_used"]} for r, c in zip(r_mem.results, r_chain.results)
        ]
        print(f"chain and memory give identical metrics (gas aside): {same}")


def part_scaling(sizes: list[int], count: int, seed: int, horizon: int, repeat: int) -> None:
    print(f"\n== Off-chain scaling: {count} random single-firm scenarios x {horizon} h ==")
    print(f"{'firms':>7}{'exchanges':>11}{'generate s':>12}{'BAU s':>9}{'BOIS-mem s':>12}{'BAU s/scen':>12}{'x 1st size':>11}")
    base = None
    for n in sizes:
        t_gen, park = timed(lambda: generate_park(n, seed), 1)
        scenarios = monte_carlo(park, 1, count, seed, 24, 168)
        t_bau, _ = timed(lambda: study(park, scenarios, BusinessAsUsual, horizon), repeat)
        t_mem, _ = timed(lambda: study(park, scenarios, lambda: BoisStrategy(MemoryPlatform()), horizon), repeat)
        base = base or t_bau
        print(
            f"{n:>7}{park.graph.number_of_edges():>11}{t_gen:>12.2f}{t_bau:>9.2f}{t_mem:>12.2f}"
            f"{t_bau / count:>12.3f}{t_bau / base:>11.2f}"
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller sizes, one repeat")
    ap.add_argument("--no-chain", action="store_true", help="skip the embedded-chain sweep")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    repeat = 1 if args.quick else args.repeat
    horizon = 336
    part_sweep(30 if args.quick else 100, args.seed, horizon, repeat, not args.no_chain)
    sizes = [1000, 2000] if args.quick else [1000, 2000, 5000, 10000]
    part_scaling(sizes, 5 if args.quick else 10, args.seed, horizon, 1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
