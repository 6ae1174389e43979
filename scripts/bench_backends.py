#!/usr/bin/env python3
"""The chain backends side by side, in one run (a benchmark script, never a timed test).

1. Transaction throughput of the client (``ChainPlatform.post_offer``: encode, sign, send,
   wait for the receipt, decode the events) against the raw ceiling of the same backend for
   the same calldata, sender and gas:
   * embedded (eth-tester + py-evm): signed locally (coincurve, ``bois.chain.sign_transaction``)
     with explicit gas, ``EthereumTester.send_raw_transaction``, ``get_transaction_receipt``;
   * anvil: ``eth_sendRawTransaction`` + ``eth_getTransactionReceipt`` polling on one keep-alive
     socket (one write per request), and the same over ``http.client`` for reference.
   Every measurement starts from the same snapshot (``revert`` to it first), so client and raw
   run at the same chain height; client and raw alternate (ABBA) over the rounds. Goal: client
   >= 80% of raw.
2. The systematic sweep (every firm disrupted once) of a generated park under BOIS on the
   in-memory platform, the embedded chain and anvil (a fresh chain / a fresh node per run),
   searching through the OfferSearch view ("lens") or the SQLite event index ("index"), plus
   BAU. Goal: chain / memory <= 3x.
3. Offer search latency over N offers: the SQLite index (``bois.index.OfferIndex``) against the
   view call (``ChainPlatform.search_offers``), on the embedded chain and on anvil. The park is
   built by ``scripts/bench_search.py``'s ``build`` (its functions are reused, not copied).

    python scripts/bench_backends.py              # everything (about 10 minutes)
    python scripts/bench_backends.py --quick      # smoke run: fewer tx, 30 firms, 1,000 offers
    python scripts/bench_backends.py --part 2     # one part

Figures are medians (the machines are shared and noisy); errors are reported per row.
"""

from __future__ import annotations

import argparse
import http.client
import inspect
import json
import os
import socket
import statistics
import sys
import tempfile
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bois.chain import EmbeddedChain, RpcChain, sign_transaction  # noqa: E402
from bois.chain_platform import GAS, ChainPlatform  # noqa: E402
from bois.memory import MemoryPlatform  # noqa: E402
from bois.node import AnvilNode  # noqa: E402
from bois.types import EnergyForm, OfferQuery  # noqa: E402

TX_GOAL = 0.80  # client >= 80% of the raw ceiling
SWEEP_GOAL = 3.0  # chain sweep <= 3x the in-memory one


@dataclass
class Goal:
    part: str
    what: str
    goal: str
    value: str
    ok: bool | None  # None: not measured (error)


@dataclass
class Summary:
    goals: list[Goal] = field(default_factory=list)

    def add(self, part: str, what: str, goal: str, value: str, ok: bool | None) -> None:
        self.goals.append(Goal(part, what, goal, value, ok))


def fmt_err(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".replace("\n", " ")
    return text if len(text) <= 160 else text[:157] + "..."


# ----- 1. transaction throughput -----------------------------------------------------------------
OFFER = (EnergyForm.STEAM, 1_000, 120, 3_500)  # form, kW, degrees C, cents/MWh


class RawHttp:
    """The leanest JSON-RPC client: one keep-alive socket, the request in one write,
    the response read by Content-Length (what anvil sends)."""

    def __init__(self, host: str, port: int) -> None:
        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.sock.makefile("rb")
        self.head = f"POST / HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\nContent-Length: "
        self.id = 0

    def request(self, method: str, params: list[Any]) -> Any:
        self.id += 1
        body = json.dumps({"jsonrpc": "2.0", "id": self.id, "method": method, "params": params}).encode()
        self.sock.sendall(f"{self.head}{len(body)}\r\n\r\n".encode() + body)
        status = self.reader.readline()
        length = -1
        while True:
            line = self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if not status.startswith(b"HTTP/1.1 200") or length < 0:
            raise RuntimeError(f"{method}: unexpected answer {status!r} (content-length {length})")
        answer = json.loads(self.reader.read(length))
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


class HttpClientRpc:
    """JSON-RPC over one keep-alive ``http.client`` connection (the stdlib way)."""

    def __init__(self, host: str, port: int) -> None:
        self.conn = http.client.HTTPConnection(host, port)
        self.conn.connect()
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.id = 0

    def request(self, method: str, params: list[Any]) -> Any:
        self.id += 1
        body = json.dumps({"jsonrpc": "2.0", "id": self.id, "method": method, "params": params}).encode()
        self.conn.request("POST", "/", body, {"Content-Type": "application/json"})
        answer = json.loads(self.conn.getresponse().read())
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def close(self) -> None:
        self.conn.close()


def raw_embedded(chain: EmbeddedChain, sender: str, to: str, data: bytes, gas: int, n: int) -> None:
    """n transactions straight into EthereumTester (signed locally, explicit gas)."""
    s = chain._senders[sender]  # the key and the nonce (restored by revert)
    tester = chain.tester
    for _ in range(n):
        raw, _ = sign_transaction(s, chain.chain_id, to, data, gas, 0, chain.max_fee_per_gas)
        tx_hash = tester.send_raw_transaction("0x" + raw.hex())
        receipt = tester.get_transaction_receipt(tx_hash)
        if receipt["status"] != 1:
            raise RuntimeError(f"raw transaction {tx_hash} failed")
        s.nonce += 1


def raw_rpc(rpc: Any, chain: RpcChain, sender: str, to: str, data: bytes, gas: int, n: int, poll: float) -> int:
    """n transactions by raw JSON-RPC: send, then poll the receipt (at once, then every ``poll`` s).
    Returns the number of receipt requests."""
    s = chain._senders[sender]
    polls = 0
    for _ in range(n):
        raw, _ = sign_transaction(s, chain.chain_id, to, data, gas, 0, chain.max_fee_per_gas)
        tx_hash = rpc.request("eth_sendRawTransaction", ["0x" + raw.hex()])
        while True:
            polls += 1
            receipt = rpc.request("eth_getTransactionReceipt", [tx_hash])
            if receipt is not None:
                break
            time.sleep(poll)
        if receipt["status"] != "0x1":
            raise RuntimeError(f"raw transaction {tx_hash} failed")
        s.nonce += 1
    return polls


def raw_rpc_sync(rpc: Any, chain: RpcChain, sender: str, to: str, data: bytes, gas: int, n: int) -> None:
    """n transactions by raw JSON-RPC ``eth_sendRawTransactionSync`` (EIP-7966: the receipt in the answer)."""
    s = chain._senders[sender]
    for _ in range(n):
        raw, _ = sign_transaction(s, chain.chain_id, to, data, gas, 0, chain.max_fee_per_gas)
        receipt = rpc.request("eth_sendRawTransactionSync", ["0x" + raw.hex()])
        if receipt["status"] != "0x1":
            raise RuntimeError(f"raw transaction {receipt['transactionHash']} failed")
        s.nonce += 1


def prepare_sender(p: ChainPlatform) -> tuple[str, int, bytes]:
    """A registered firm's account, the offers' validity and the postOffer calldata."""
    acct = p.new_account()
    p.register_firm(acct, "bench", 1, 0, 0, [EnergyForm.STEAM], [])
    valid_until = p.now() + 10 * 365 * 24 * 3600
    data = p.codec.encode_call("postOffer", int(OFFER[0]), OFFER[1], OFFER[2], OFFER[3], valid_until, False)
    return acct, valid_until, data


def throughput(
    label: str,
    p: ChainPlatform,
    raws: dict[str, Callable[[str, bytes, int], Any]],
    n: int,
    rounds: int,
    summary: Summary,
) -> None:
    acct, valid_until, data = prepare_sender(p)
    base = p.snapshot()
    height = p.chain.block_number()
    gas = GAS["postOffer"]

    def client(k: int) -> None:
        for _ in range(k):
            p.post_offer(acct, OFFER[0], OFFER[1], OFFER[2], OFFER[3], valid_until)

    def bind(fn: Callable[[str, bytes, int], Any]) -> Callable[[], Any]:
        return lambda: fn(acct, data, gas)

    runs: dict[str, Callable[[], Any]] = {"client": lambda: client(n)}
    for name, fn in raws.items():
        runs[name] = bind(fn)
    rates: dict[str, list[float]] = {k: [] for k in runs}
    names = list(runs)
    for r in range(rounds):
        order = names if r % 2 == 0 else names[::-1]  # ABBA: neither side always runs first
        for name in order:
            p.revert(base)
            t = time.perf_counter()
            runs[name]()
            rates[name].append(n / (time.perf_counter() - t))
    end = p.chain.block_number()
    p.revert(base)
    med = {k: statistics.median(v) for k, v in rates.items()}
    print(f"\n{label}: postOffer x {n} per run, {rounds} runs each, every run from the snapshot at block {height} "
          f"(to block {end})")
    print(f"  {'path':<46}{'median tx/s':>12}{'client/this':>13}   runs")
    for k in names:
        vs = "" if k == "client" else f"{100 * med['client'] / med[k]:.0f}%"
        print(f"  {k:<46}{med[k]:>12.1f}{vs:>13}   " + " ".join(f"{x:.0f}" for x in rates[k]))
    # The ceiling as defined: send, then read/poll the receipt (the fastest such raw path);
    # and, stricter, the fastest raw path of all (anvil's eth_sendRawTransactionSync).
    polled = [k for k in med if k != "client" and "Sync" not in k]
    ceilings = [("raw send + receipt", max(polled, key=lambda k: med[k]))]
    fastest = max((k for k in med if k != "client"), key=lambda k: med[k])
    if fastest not in polled:
        ceilings.append(("fastest raw path", fastest))
    for what, key in ceilings:
        ratio = med["client"] / med[key]
        print(f"  client / {what} ({key}): {100 * ratio:.0f}%  (goal >= {100 * TX_GOAL:.0f}%)")
        summary.add("1", f"{label.split(' (')[0]}: client / {what}", f">= {100 * TX_GOAL:.0f}%",
                    f"{med['client']:.0f} / {med[key]:.0f} tx/s = {100 * ratio:.0f}%", ratio >= TX_GOAL)


def part_throughput(n_embedded: int, n_anvil: int, rounds: int, summary: Summary) -> None:
    print("\n== 1. Transaction throughput: the client against the raw ceiling of each backend ==")
    print("(sequential; each transaction waits for its receipt; same calldata, sender, gas and heights)")
    try:
        p = ChainPlatform.embedded()
        chain = p.chain
        assert isinstance(chain, EmbeddedChain)
        raws = {"raw: sign + EthereumTester.send_raw_transaction": lambda a, d, g: raw_embedded(chain, a, p.address, d, g, n_embedded)}
        throughput("embedded (eth-tester + py-evm)", p, raws, n_embedded, rounds, summary)
    except Exception as exc:  # report, go on
        print(f"embedded: ERROR {fmt_err(exc)}")
        traceback.print_exc()
        summary.add("1", "embedded: client / raw tx/s", f">= {100 * TX_GOAL:.0f}%", "error", None)
    try:
        with AnvilNode() as node:
            p = ChainPlatform.rpc(node.url)
            chain = p.chain
            assert isinstance(chain, RpcChain)
            sock_rpc = RawHttp("127.0.0.1", node.port)
            std_rpc = HttpClientRpc("127.0.0.1", node.port)
            polls: dict[str, int] = {}

            def raw(rpc: Any, name: str, poll: float) -> Callable[[str, bytes, int], Any]:
                def run(a: str, d: bytes, g: int) -> None:
                    polls[name] = raw_rpc(rpc, chain, a, p.address, d, g, n_anvil, poll)
                return run

            raws = {
                "raw: socket, 1 write/request, poll 1 ms": raw(sock_rpc, "socket", 0.001),
                "raw: socket, 1 write/request, poll 0.2 ms": raw(sock_rpc, "socket-fast", 0.0002),
                "raw: http.client, poll 1 ms": raw(std_rpc, "http.client", 0.001),
                "raw: socket, eth_sendRawTransactionSync": lambda a, d, g: raw_rpc_sync(sock_rpc, chain, a, p.address, d, g, n_anvil),
            }
            throughput(f"anvil ({chain.client_version})", p, raws, n_anvil, rounds, summary)
            print("  receipt requests per transaction (last run): "
                  + ", ".join(f"{k} {v / n_anvil:.2f}" for k, v in polls.items()))
            sock_rpc.close()
            std_rpc.close()
    except Exception as exc:
        print(f"anvil: ERROR {fmt_err(exc)}")
        traceback.print_exc()
        summary.add("1", "anvil: client / raw tx/s", f">= {100 * TX_GOAL:.0f}%", "error", None)


# ----- 2. the systematic sweep -------------------------------------------------------------------
def part_sweep(n_firms: int, seed: int, horizon: int, repeat: int, summary: Summary) -> None:
    from bois.index import indexed
    from simulation.disruptions import sweep
    from simulation.generator import generate_park
    from simulation.runner import StudyConfig, StudyResult, run_study
    from simulation.strategies import BoisStrategy, BusinessAsUsual

    park = generate_park(n_firms, seed)
    scenarios = sweep(park, 24, 168)
    has_search = "search" in inspect.signature(BoisStrategy).parameters
    how = "BoisStrategy(platform, search='index')" if has_search else "BoisStrategy(bois.index.indexed(platform))"
    print(f"\n== 2. Systematic sweep of a generated {n_firms}-firm park (seed {seed}): "
          f"{len(scenarios)} scenarios x {horizon} h ==")
    print(f"(index rows: {how}; chain rows: a fresh chain / a fresh anvil node per run, deployment not timed;"
          f" time = run_study, i.e. setup (register + post) and every scenario)")

    @dataclass
    class Row:
        label: str
        times: list[float] = field(default_factory=list)
        setups: list[float] = field(default_factory=list)
        result: StudyResult | None = None
        error: str = ""

    def strategy(platform: Any, search: str) -> Any:
        if search == "lens":
            return BoisStrategy(platform)
        if has_search:
            return BoisStrategy(platform, search="index")
        return BoisStrategy(indexed(platform))

    @contextmanager
    def platforms(kind: str) -> Iterator[Callable[[], Any]]:
        """A factory of fresh platforms: embedded chains, or the platform on a fresh anvil node."""
        if kind == "embedded":
            yield ChainPlatform.embedded
            return
        with AnvilNode() as node:
            yield lambda: ChainPlatform.rpc(node.url)

    def run(row: Row, make_strategy: Callable[[], Any], times: int) -> None:
        for _ in range(times):
            try:
                s = make_strategy()
                prepare = s.prepare
                spent: list[float] = []

                def timed_prepare(*a: Any, **k: Any) -> Any:
                    t0 = time.perf_counter()
                    try:
                        return prepare(*a, **k)
                    finally:
                        spent.append(time.perf_counter() - t0)

                s.prepare = timed_prepare
                t = time.perf_counter()
                row.result = run_study(park, scenarios, [s], StudyConfig(horizon=horizon))
                row.times.append(time.perf_counter() - t)
                row.setups.append(sum(spent))
                failed = getattr(s, "failed", [])
                if failed:
                    row.error = f"{len(failed)} failed transactions, first: {failed[0]}"
            except Exception as exc:
                row.error = fmt_err(exc)
                return

    rows: list[Row] = []
    bau = Row("BAU (no platform)")
    run(bau, BusinessAsUsual, repeat)
    rows.append(bau)
    mem = Row("BOIS, in-memory platform")
    run(mem, lambda: BoisStrategy(MemoryPlatform()), repeat)
    rows.append(mem)
    chain_rows: list[tuple[str, str, Row]] = []
    for key, name, times in (("embedded", "embedded chain", 1), ("anvil", "anvil", repeat)):
        for search in ("lens", "index"):
            row = Row(f"BOIS, {name}, {search} search")
            for _ in range(times):
                try:
                    with platforms(key) as make:
                        run(row, lambda: strategy(make(), search), 1)
                except Exception as exc:
                    row.error = fmt_err(exc)
                if row.error:
                    break
            rows.append(row)
            chain_rows.append((key, search, row))
            print(f"  ... {row.label}: " + (f"{statistics.median(row.times):.2f} s" if row.times else "no time")
                  + (f"  [{row.error}]" if row.error else ""), flush=True)

    def metrics(res: StudyResult) -> list[dict[str, Any]]:
        return [{k: v for k, v in r.metrics.items() if k != "gas_used"} for r in res.results]

    t_bau = statistics.median(bau.times) if bau.times else float("nan")
    t_mem = statistics.median(mem.times) if mem.times else float("nan")
    print(f"\n{'strategy / platform':<38}{'runs':>5}{'time s':>9}{'setup s':>9}{'x BAU':>7}{'x mem':>7}"
          f"{'setup tx':>9}{'sweep tx':>9}{'same':>6}")
    for row in rows:
        if not row.times:
            print(f"{row.label:<38}  ERROR {row.error}")
            continue
        t = statistics.median(row.times)
        res = row.result
        assert res is not None
        setup_tx = sum(v["transactions"] for v in res.setup.values())
        tx = sum(r.metrics["transactions"] for r in res.results)
        same = "-" if row is bau or row is mem or mem.result is None else str(metrics(res) == metrics(mem.result))
        print(f"{row.label:<38}{len(row.times):>5}{t:>9.2f}{statistics.median(row.setups):>9.2f}{t / t_bau:>7.2f}"
              f"{t / t_mem:>7.2f}{setup_tx:>9}{tx:>9}{same:>6}")
        if row.error:
            print(f"{'':<38}  note: {row.error}")
    print("same: identical scenario metrics to the in-memory platform (gas aside)")
    for key, search, row in chain_rows:
        what = f"sweep {key} ({search}) / memory"
        if not row.times or row.error:
            summary.add("2", what, f"<= {SWEEP_GOAL:.0f}x", "error" if not row.times else "errors", None)
            continue
        ratio = statistics.median(row.times) / t_mem
        summary.add("2", what, f"<= {SWEEP_GOAL:.0f}x", f"{statistics.median(row.times):.1f} s / {t_mem:.1f} s = {ratio:.1f}x",
                    ratio <= SWEEP_GOAL)


# ----- 3. offer search latency -------------------------------------------------------------------
SHAPES = [
    ("first page, broad (steam, limit 50)", OfferQuery(EnergyForm.STEAM), 50),
    ("first page, 1 km radius, limit 200",
     OfferQuery(EnergyForm.DISTRICT_HEAT, max_distance_m=1_000, x_m=1_200, y_m=-800), 200),
    ("no match (scans every offer)", OfferQuery(EnergyForm.BIOGAS, min_quantity=10**9), 200),
]


class _PlatformFactory:
    """Stands in for ``ChainPlatform`` inside bench_search.build, which calls ``.embedded()``."""

    def __init__(self, make: Callable[[], ChainPlatform]) -> None:
        self.make = make

    def embedded(self) -> ChainPlatform:
        return self.make()


def search_latency(label: str, make: Callable[[], ChainPlatform], n_offers: int, n_firms: int, seed: int,
                   view_queries: int, index_queries: int, summary: Summary) -> None:
    import bench_search
    from bois.index import ChainEventSource, OfferIndex

    t0 = time.perf_counter()
    with mock.patch.object(bench_search, "ChainPlatform", _PlatformFactory(make)):
        p, timings = bench_search.build(n_offers, n_firms, seed)
    print(f"\n{label}: {n_firms} firms, {p.offer_count()} offers ({int(timings['post_txs'])} post_offers tx) "
          f"built in {time.perf_counter() - t0:.1f} s, {p.chain.block_number()} blocks")
    with tempfile.TemporaryDirectory() as tmp:
        index = None
        try:
            index = OfferIndex(os.path.join(tmp, "offers.sqlite"), ChainEventSource.of(p))
            t = time.perf_counter()
            synced = index.sync()
            dt = time.perf_counter() - t
            print(f"  index sync: {synced.events} events in {dt:.2f} s ({synced.events / dt:,.0f} events/s)")
        except Exception as exc:
            print(f"  index: ERROR {fmt_err(exc)}")
            index = None
        print(f"  {'query':<40}{'matches':>8}{'view ms':>10}{'index ms':>10}{'view/index':>12}  same")
        for name, q, limit in SHAPES:
            try:
                times = []
                answers = []
                for _ in range(view_queries):  # every call timed; the first answer is the reference
                    t = time.perf_counter()
                    answers.append(p.search_offers(q, 0, limit))
                    times.append((time.perf_counter() - t) * 1000)
                view = answers[0]
                v = statistics.median(times)
            except Exception as exc:
                print(f"  {name:<40}  view ERROR {fmt_err(exc)}")
                continue
            if index is None:
                print(f"  {name:<40}{len(view.matches):>8}{v:>10.1f}{'-':>10}{'-':>12}")
                continue
            try:
                same = index.search_offers(q, 0, limit) == view
                i = bench_search.median_ms(lambda: index.search_offers(q, 0, limit), index_queries)
                print(f"  {name:<40}{len(view.matches):>8}{v:>10.1f}{i:>10.3f}{v / i:>11,.0f}x  {same}")
                if name.startswith("no match"):
                    summary.add("3", f"{label}: index vs view, full scan", "index faster, same answer",
                                f"{i:.2f} ms vs {v:.0f} ms ({v / i:,.0f}x)", same and i < v)
            except Exception as exc:
                print(f"  {name:<40}{len(view.matches):>8}{v:>10.1f}  index ERROR {fmt_err(exc)}")
        if index is not None:
            index.close()
    print(f"  (medians of {view_queries} view calls and {index_queries} index queries per shape)")


def part_search(n_offers: int, n_firms: int, seed: int, view_queries: tuple[int, int], index_queries: int,
                anvil: bool, summary: Summary) -> None:
    print(f"\n== 3. Offer search over {n_offers:,} offers: SQLite index vs the OfferSearch view call ==")
    try:
        search_latency("embedded chain", ChainPlatform.embedded, n_offers, n_firms, seed, view_queries[0],
                       index_queries, summary)
    except Exception as exc:
        print(f"embedded: ERROR {fmt_err(exc)}")
        traceback.print_exc()
    if anvil:
        try:
            with AnvilNode() as node:
                search_latency("anvil", lambda: ChainPlatform.rpc(node.url), n_offers, n_firms, seed, view_queries[1],
                               index_queries, summary)
        except Exception as exc:
            print(f"anvil: ERROR {fmt_err(exc)}")
            traceback.print_exc()


# ----- main ----------------------------------------------------------------------------------------
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smoke run: fewer tx, a 30-firm park, 1,000 offers")
    ap.add_argument("--part", type=int, choices=(1, 2, 3), help="run only this part")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-anvil-search", action="store_true", help="part 3 on the embedded chain only")
    args = ap.parse_args()
    q = args.quick
    summary = Summary()
    started = time.perf_counter()
    print(f"bench_backends {'--quick ' if q else ''}(python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.2f})")
    if args.part in (None, 1):
        part_throughput(n_embedded=40 if q else 200, n_anvil=100 if q else 500, rounds=2 if q else 6, summary=summary)
    if args.part in (None, 2):
        part_sweep(30 if q else 100, args.seed, 336, 1 if q else 3, summary)
    if args.part in (None, 3):
        # a view call over 10,000 offers takes ~15 s in py-evm: 2 of them per shape there
        part_search(1_000 if q else 10_000, 50 if q else 500, args.seed, (3, 5) if q else (2, 9), 50 if q else 200,
                    not args.no_anvil_search, summary)
    print(f"\n== Summary ({time.perf_counter() - started:.0f} s) ==")
    print(f"{'part':<5}{'measure':<42}{'goal':<28}{'value':<34}result")
    for g in summary.goals:
        verdict = "ERROR" if g.ok is None else ("PASS" if g.ok else "MISS")
        print(f"{g.part:<5}{g.what:<42}{g.goal:<28}{g.value:<34}{verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
