"""Offer search: the SQLite index (bois.index) side by side with the OfferSearch view.

    python scripts/bench_search.py                       # 10,000 offers from 500 firms
    python scripts/bench_search.py --offers 2000 --firms 100 --view-queries 3

Builds a park on the embedded chain (firms registered one by one, offers posted with the
batch call ``post_offers``), syncs an index from the chain's events (throughput), then
times a few query shapes: the median of N index searches against the median of M view
calls (``ChainPlatform.search_offers``, an eth_call of the lens), with the ratio. Every
timed index answer is checked equal to the view's first. Medians; the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bois.chain_platform import ChainPlatform, OfferSpec  # noqa: E402
from bois.index import ChainEventSource, OfferIndex  # noqa: E402
from bois.platform import search_all  # noqa: E402
from bois.types import EnergyForm, FirmStatus, OfferQuery  # noqa: E402

FORMS = list(EnergyForm)


def median_ms(fn: Callable[[], object], n: int) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def build(n_offers: int, n_firms: int, seed: int) -> tuple[ChainPlatform, dict[str, float]]:
    rng = random.Random(seed)
    p = ChainPlatform.embedded()
    timings: dict[str, float] = {}
    t = time.perf_counter()
    accounts = [p.new_account() for _ in range(n_firms)]
    firms = []
    for i, acct in enumerate(accounts):
        supplies = rng.sample(FORMS, rng.randint(1, 3))
        fid = p.register_firm(acct, f"firm {i}", rng.randint(0, 9), rng.randint(-5000, 5000), rng.randint(-5000, 5000), supplies, [])
        firms.append((fid, acct, supplies))
    timings["register"] = time.perf_counter() - t
    t = time.perf_counter()
    per_firm, extra = divmod(n_offers, n_firms)
    horizon = p.now() + 10 * 365 * 24 * 3600
    txs = 0
    for i, (fid, acct, supplies) in enumerate(firms):
        n = per_firm + (1 if i < extra else 0)
        specs = [
            OfferSpec(
                rng.choice(supplies),
                rng.choice([100, 500, 1_000, 5_000, 20_000]),
                rng.choice([0, 25, 40, 90, 120, 180, 250]),
                rng.randint(1_000, 9_000),
                horizon,
                rng.random() < 0.5,
            )
            for _ in range(n)
        ]
        for k in range(0, len(specs), 256):
            p.post_offers(acct, specs[k : k + 256])
            txs += 1
    timings["post"] = time.perf_counter() - t
    timings["post_txs"] = txs
    # a tenth of the suppliers disrupted: the status filter has work to do
    for fid, acct, _ in firms[:: 10]:
        p.report_status(acct, fid, FirmStatus.DISRUPTED)
    return p, timings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--offers", type=int, default=10_000)
    ap.add_argument("--firms", type=int, default=500)
    ap.add_argument("--queries", type=int, default=200, help="index searches per shape (median)")
    ap.add_argument("--view-queries", type=int, default=5, help="view calls per shape (median)")
    ap.add_argument("--batch-blocks", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    t0 = time.perf_counter()
    p, timings = build(args.offers, args.firms, args.seed)
    setup = time.perf_counter() - t0
    print(f"setup: {args.firms} firms registered in {timings['register']:.1f} s, "
          f"{p.offer_count()} offers posted with post_offers ({int(timings['post_txs'])} tx) in {timings['post']:.1f} s; "
          f"total {setup:.1f} s, {p.chain.block_number()} blocks")

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "offers.sqlite")
        index = OfferIndex(path, ChainEventSource.of(p), batch_blocks=args.batch_blocks)
        t = time.perf_counter()
        result = index.sync()
        dt = time.perf_counter() - t
        size = os.path.getsize(path) + sum(os.path.getsize(path + s) for s in ("-wal",) if os.path.exists(path + s))
        print(f"index sync: {result.events} events in {result.last_block - result.first_block + 1} blocks "
              f"({result.ranges} ranges of <= {args.batch_blocks}) in {dt:.2f} s = {result.events / dt:,.0f} events/s "
              f"({(result.last_block - result.first_block + 1) / dt:,.0f} blocks/s); file {size / 1e6:.1f} MB")
        bulk = OfferIndex(os.path.join(tmp, "bulk.sqlite"), ChainEventSource.of(p), batch_blocks=args.batch_blocks, reorg_depth=0)
        t = time.perf_counter()
        r2 = bulk.sync()
        dt2 = time.perf_counter() - t
        print(f"index sync without the undo log (reorg_depth=0, a catch-up far behind the head): "
              f"{r2.events / dt2:,.0f} events/s ({dt2:.2f} s)")
        src = ChainEventSource.of(p)
        t = time.perf_counter()
        src.read(result.first_block, result.last_block)
        print(f"  of which reading + decoding the blocks (py-evm receipts): {time.perf_counter() - t:.2f} s")
        t = time.perf_counter()
        again = index.sync()
        print(f"index sync with nothing new: {(time.perf_counter() - t) * 1000:.2f} ms ({again.ranges} ranges read)")

        shapes = [
            ("first page, broad (steam, limit 50)", OfferQuery(EnergyForm.STEAM), 50),
            ("first page, 1 km radius, limit 200", OfferQuery(EnergyForm.DISTRICT_HEAT, max_distance_m=1_000, x_m=1_200, y_m=-800), 200),
            ("first page, sparse (>= 250 C, >= 20 MW)", OfferQuery(EnergyForm.STEAM, min_quantity=20_000, min_temperature_c=250), 200),
            ("no match (scans every offer)", OfferQuery(EnergyForm.BIOGAS, min_quantity=10**9), 200),
        ]
        rows = []
        for name, q, limit in shapes:
            view = p.search_offers(q, 0, limit)
            assert index.search_offers(q, 0, limit) == view, name
            v = median_ms(lambda: p.search_offers(q, 0, limit), args.view_queries)
            i = median_ms(lambda: index.search_offers(q, 0, limit), args.queries)
            rows.append((name, len(view.matches), v, i))
        q = OfferQuery(EnergyForm.ELECTRICITY, max_distance_m=3_000)
        full = list(search_all(p, q, page_size=200))
        assert index.search_all(q) == full
        v = median_ms(lambda: list(search_all(p, q, page_size=200)), max(1, args.view_queries // 2))
        i = median_ms(lambda: list(search_all(index_search(index), q, page_size=200)), max(1, args.queries // 4))
        rows.append(("all pages (search_all, 3 km, page 200)", len(full), v, i))
        r = median_ms(lambda: index.ranked(q, transport_cost=0.3), max(1, args.queries // 4))

        print(f"\noffer search over {p.offer_count()} offers: median of {args.view_queries} view calls vs {args.queries} index queries")
        print(f"{'query':44} {'matches':>7} {'view ms':>9} {'index ms':>9} {'ratio':>8}")
        for name, n, v, i in rows:
            print(f"{name:44} {n:7d} {v:9.1f} {i:9.3f} {v / i:7.0f}x")
        print(f"{'ranked(), same 3 km query (index only)':44} {len(full):7d} {'':>9} {r:9.3f}")


def index_search(index: OfferIndex) -> Any:
    """An object with search_offers(query, cursor, limit) over the index (for search_all)."""

    class _S:
        def search_offers(self, query: OfferQuery, cursor: int = 0, limit: int = 50) -> Any:
            return index.search_offers(query, cursor, limit)

    return _S()


if __name__ == "__main__":
    main()
