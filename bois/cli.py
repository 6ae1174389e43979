"""The ``bois`` command line.

Subcommands are registered in :data:`COMMANDS` with the :func:`command` decorator; adding
one is adding one function (import heavy modules inside it so ``bois --help`` stays fast)::

    def _simulate_options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--case-study", default="kalundborg")

    @command("simulate", "run the disruption sweep", _simulate_options)
    def simulate(args: argparse.Namespace) -> int:
        from simulation.run import main as run   # lazy
        return run(args)
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Sequence

if TYPE_CHECKING:
    from .chain_platform import ChainPlatform as ChainPlatformT

Configure = Callable[[argparse.ArgumentParser], None]
Runner = Callable[[argparse.Namespace], int]


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    configure: Configure
    run: Runner


COMMANDS: dict[str, Command] = {}


def command(name: str, help: str, configure: Configure | None = None) -> Callable[[Runner], Runner]:
    """Register ``bois <name>``: ``configure`` adds its options, the decorated function runs it."""

    def register(run: Runner) -> Runner:
        COMMANDS[name] = Command(name, help, configure or (lambda parser: None), run)
        return run

    return register


# ----------------------------------------------------------------------------- compile
@command("compile", "compile contracts/ and rewrite the committed artifacts in bois/artifacts/")
def compile_command(args: argparse.Namespace) -> int:
    from .compiler import compile_contracts, find_solc, write_artifacts

    binary = find_solc()
    print(f"compiling with {binary}")
    artifacts = compile_contracts(binary)
    for path in write_artifacts(artifacts):
        name = path.stem
        size = (len(artifacts[name]["deployedBytecode"]) - 2) // 2
        print(f"  wrote {path}  (runtime code {size:,} bytes of 24,576)")
    return 0


# ----------------------------------------------------------------------------- chains
def add_chain_options(parser: argparse.ArgumentParser) -> None:
    """The options every command that talks to a JSON-RPC node shares (keys: see bois.keys)."""
    parser.add_argument(
        "--keystore",
        metavar="FILE",
        help="Ethereum keystore (V3 JSON) of the signing account for a JSON-RPC node; password from "
        "$BOIS_KEYSTORE_PASSWORD or a prompt. Without it the key comes from $BOIS_PRIVATE_KEY, or, "
        "on a development node (chain id 31337), its first dev account",
    )
    parser.add_argument(
        "--rpc-url",
        metavar="URL",
        default=None,
        help="JSON-RPC node (anvil, geth, Besu: http://host:port) instead of a fresh embedded chain; "
        "also $BOIS_RPC_URL",
    )


def rpc_url(args: argparse.Namespace) -> str | None:
    import os

    return getattr(args, "rpc_url", None) or os.environ.get("BOIS_RPC_URL") or None


def connect(url: str, keystore: str | None, manifest: str | None = None) -> "ChainPlatformT":
    """The platform on the node at ``url``: attached to ``manifest``'s deployment, else deployed."""
    from .chain_platform import ChainPlatform
    from .keys import resolve_key

    key = resolve_key(keystore)
    return ChainPlatform.rpc(url, key, manifest=manifest)


# ----------------------------------------------------------------------------- deploy
def _deploy_options(parser: argparse.ArgumentParser) -> None:
    add_chain_options(parser)
    parser.add_argument("--manifest", default="deployment.json", help="where to write the deployment manifest")


@command("deploy", "deploy BoisPlatform and OfferSearch; print the addresses and write a manifest", _deploy_options)
def deploy_command(args: argparse.Namespace) -> int:
    from .chain import Chain, EmbeddedChain, RpcChain
    from .deploy import deploy, write_manifest
    from .keys import resolve_key

    chain: Chain
    url = rpc_url(args)
    if url:
        chain = RpcChain(url, resolve_key(args.keystore))
        where = f"the JSON-RPC node at {url} ({chain.client_version})"
    else:
        chain = EmbeddedChain()
        where = "the embedded chain (eth-tester + py-evm, in this process; gone when the command exits)"
    deployment = deploy(chain)
    path = write_manifest(deployment, args.manifest)
    print(f"deployed on {where}")
    print(f"  chain id      {deployment.chain_id}")
    print(f"  deployer      {deployment.deployer}  (DEFAULT_ADMIN_ROLE)")
    print(f"  BoisPlatform  {deployment.platform}")
    print(f"  OfferSearch   {deployment.search}")
    print(f"  block         {deployment.block}")
    print(f"  manifest      {path}")
    return 0


# ----------------------------------------------------------------------------- node
def _node_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8545, help="loopback port to listen on (default 8545)")
    parser.add_argument("--chain-id", type=int, default=31337, help="chain id (default 31337, a development chain)")
    parser.add_argument(
        "--state",
        metavar="FILE",
        help="keep the chain in FILE: loaded at start when it exists, written when the node stops (Ctrl-C) "
        "and every --state-interval seconds",
    )
    parser.add_argument("--state-interval", type=int, default=None, metavar="S", help="with --state: also write it every S seconds")


@command("node", "run a local anvil node (pinned in package.json; `npm ci`) for deploy/demo/simulate --rpc-url", _node_options)
def node_command(args: argparse.Namespace) -> int:
    import signal
    import time

    from .node import AnvilNode

    def _stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # `kill` (SIGTERM) and Ctrl-C alike stop anvil before this process exits (an ignored
    # SIGINT, as in a background job of a script, would otherwise leave anvil running).
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)

    if args.state_interval is not None and not args.state:
        raise ValueError("--state-interval needs --state FILE")
    with AnvilNode(port=args.port, chain_id=args.chain_id, state_path=args.state, state_interval=args.state_interval) as node:
        print(f"anvil listening on {node.url} (chain id {node.chain_id}; {node.binary})")
        if args.state:
            print(f"  chain kept in {args.state} (written when the node stops)")
        else:
            print("  history pruned, cache in a temporary folder: the chain is gone when this command stops")
        if node.chain_id == 31337:
            print("  development chain: bois uses anvil's first dev account when no key is given")
        print(f"  try: bois demo --rpc-url {node.url}")
        print("Ctrl-C to stop", flush=True)
        try:
            while node.process is not None and node.process.poll() is None:
                time.sleep(0.5)
        except KeyboardInterrupt:
            print("stopping anvil")
            return 0
        code = node.process.returncode if node.process is not None else 1
        print(f"anvil exited with code {code}", file=sys.stderr)
        return 1


# ----------------------------------------------------------------------------- demo
def _demo_options(parser: argparse.ArgumentParser) -> None:
    add_chain_options(parser)
    parser.add_argument("--manifest", default=None, help="with --rpc-url: use this deployment instead of deploying")


@command("demo", "walk one firm-to-firm exchange through the three layers (embedded chain, or --rpc-url)", _demo_options)
def demo_command(args: argparse.Namespace) -> int:
    from .chain_platform import ChainPlatform
    from .types import EnergyForm, FirmStatus, OfferQuery

    url = rpc_url(args)
    if args.manifest and not url:
        raise ValueError("--manifest needs --rpc-url (an embedded chain starts empty)")
    p = connect(url, args.keystore, args.manifest) if url else ChainPlatform.embedded()
    where = f"the JSON-RPC node at {url}" if url else "an embedded chain"
    print(f"BOIS demo: one firm-to-firm (F2F) steam exchange on {where}")
    print(f"  platform {p.address}, search lens {p.search_address}, admin {p.admin}\n")

    def step(text: str) -> None:
        gas = p.last_tx.gas_used if p.last_tx is not None else 0
        events = ", ".join(e.name for e in p.last_events)
        print(f"  {text:<62} gas {gas:>7,}   [{events}]")

    supplier_acct = p.new_account()
    consumer_acct = p.new_account()
    print("Physical layer: firm registry")
    supplier = p.register_firm(supplier_acct, "Asnaes power station", 1, 0, 0, [EnergyForm.STEAM], [])
    step(f"register firm {supplier}: Asnaes power station (supplies steam)")
    consumer = p.register_firm(consumer_acct, "Novo Nordisk", 5, 1200, -500, [], [EnergyForm.STEAM])
    step(f"register firm {consumer}: Novo Nordisk (needs steam)")

    print("\nSearching layer: offers")
    valid_until = p.now() + 7 * 86_400
    offer_id = p.post_offer(supplier_acct, EnergyForm.STEAM, 5_000, 180, 4_500, valid_until)
    step(f"firm {supplier} posts offer {offer_id}: 5,000 kW steam at 180 C, 45 EUR/MWh")
    page = p.search_offers(OfferQuery(EnergyForm.STEAM, 1_000, 150, 5_000, 1200, -500))
    for m in page.matches:
        o = m.offer
        print(
            f"  search from Novo Nordisk (>= 1,000 kW, >= 150 C, <= 5 km): offer {o.offer_id} of firm "
            f"{o.supplier_id}, {o.remaining:,} kW left, {m.distance_m:,} m away   (a view: no gas)"
        )

    print("\nExecution layer: F2F agreement")
    agreement_id = p.propose_agreement(consumer_acct, offer_id, 2_000, 30 * 86_400)
    step(f"firm {consumer} proposes agreement {agreement_id}: 2,000 kW for 30 days")
    p.accept_agreement(supplier_acct, agreement_id)
    step(f"firm {supplier} accepts; offer reserved {p.offer(offer_id).reserved:,} kW")
    p.record_delivery(consumer_acct, agreement_id, 2_000)
    due = p.last_events[0].args["amountDue"]
    step(f"delivery of 2,000 kWh recorded; amount due {due / 100:.2f} EUR")

    print("\nDisruption and recovery")
    p.report_status(supplier_acct, supplier, FirmStatus.DISRUPTED)
    step(f"firm {supplier} reports DISRUPTED")
    print(f"  agreement {agreement_id} now reads {p.agreement(agreement_id).state.name} (derived on read, no rewrite)")
    p.report_status(supplier_acct, supplier, FirmStatus.RECOVERED)
    step(f"firm {supplier} reports RECOVERED")
    print(f"  agreement {agreement_id} now reads {p.agreement(agreement_id).state.name} again")
    p.terminate_agreement(consumer_acct, agreement_id)
    step(f"firm {consumer} terminates agreement {agreement_id}")
    a = p.agreement(agreement_id)
    print(
        f"  agreement {agreement_id}: {a.state.name}, delivered {a.delivered:,} kWh; offer {offer_id} reserved "
        f"{p.offer(offer_id).reserved} kW; live agreements: firm {supplier} {p.firm(supplier).live_agreements}, "
        f"firm {consumer} {p.firm(consumer).live_agreements}"
    )
    print(f"\n{p.stats.transactions} transactions, {p.stats.gas_used:,} gas in total")
    return 0


# ----------------------------------------------------------------------------- entry point
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bois", description="BOIS platform tools")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for cmd in COMMANDS.values():
        sp = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        cmd.configure(sp)
    return parser


# ----------------------------------------------------------------------------- simulate
def _simulate_options(parser: argparse.ArgumentParser) -> None:
    from simulation.cli import add_arguments

    add_arguments(parser)


@command(
    "simulate",
    "disrupt the park's firms systematically; compare recovery under business as usual and BOIS",
    _simulate_options,
)
def simulate_command(args: argparse.Namespace) -> int:
    # The CLI is the composition root: the platform package itself never imports the simulation.
    from simulation.cli import run

    return run(args)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    from .errors import BoisError

    try:
        return COMMANDS[args.command].run(args)
    except (BoisError, ValueError, OSError) as exc:
        # Bad input (park files, options, manifests) and unreachable chains: one clear line.
        print(f"bois {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"bois {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
