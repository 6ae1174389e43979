"""A local anvil node for tests, benchmarks and ``bois node``.

    with AnvilNode() as node:                  # free loopback port, disposable cache dir
        chain = RpcChain(node.url)             # the node's first dev account signs by default
        ...

anvil comes from the npm package ``@foundry-rs/anvil-linux-amd64`` pinned in package.json
(``npm ci`` puts it in ``node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil``); ``$BOIS_ANVIL``
or an ``anvil`` on PATH are used instead when set/present. The node runs with
``--prune-history`` and a private ``HOME``/``--cache-path`` under a temporary directory
(otherwise anvil writes hundreds of MB of per-block state into ``~/.foundry``), chain id
31337, auto-mining, and a deterministic clock like the embedded chain's: the first block
after genesis is at :data:`bois.chain.GENESIS_TIMESTAMP` + 1 and every block is one second
after its parent.

Persistence: ``AnvilNode(state_path=PATH)`` runs anvil with ``--state PATH``: the chain
(blocks and their hashes, receipts, logs, accounts) is loaded from PATH when the file exists
and dumped there when the node exits *gracefully* (:meth:`AnvilNode.stop` sends SIGTERM), so
``stop()`` then ``start()`` (or :meth:`AnvilNode.restart`) brings the same chain back on the
same URL. anvil does not restore its clock (it restarts from ``--timestamp``), so on a
loaded chain the next block is set one second after the latest one. :meth:`AnvilNode.kill`
(SIGKILL) loses everything since the last dump: add ``state_interval=N``
(``--state-interval``) to dump every N seconds as well.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from .chain import GENESIS_TIMESTAMP
from .errors import ChainError

ROOT = Path(__file__).resolve().parents[1]
NPM_BINARY = ROOT / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
DEV_CHAIN_ID = 31337
# anvil's first default development account (from the public "test test ... junk" mnemonic).
DEV_ACCOUNT = "0xf39Fd6e51aad88F6F4ce6aB8827279cfFFb92266"


class AnvilNotFound(ChainError):
    """No anvil binary: run ``npm ci`` (or set BOIS_ANVIL)."""


def find_anvil() -> str:
    """The anvil binary: $BOIS_ANVIL, else node_modules (npm ci), else PATH. Raises AnvilNotFound."""
    env = os.environ.get("BOIS_ANVIL")
    if env:
        if not Path(env).is_file():
            raise AnvilNotFound(f"BOIS_ANVIL={env} is not a file")
        return env
    if NPM_BINARY.is_file():
        return str(NPM_BINARY)
    found = shutil.which("anvil")
    if found:
        return found
    raise AnvilNotFound(
        f"anvil not found at {NPM_BINARY}: run `npm ci` in {ROOT} (package.json pins "
        "@foundry-rs/anvil-linux-amd64), or set BOIS_ANVIL to an anvil binary"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class AnvilNode:
    """An anvil process on ``127.0.0.1:<port>``; a context manager (``start``/``stop`` also work)."""

    def __init__(
        self,
        port: int | None = None,
        chain_id: int = DEV_CHAIN_ID,
        genesis_timestamp: int = GENESIS_TIMESTAMP,
        binary: str | None = None,
        silent: bool = True,
        startup_timeout: float = 30.0,
        state_path: str | Path | None = None,
        state_interval: int | None = None,
    ) -> None:
        if state_interval is not None and (state_path is None or state_interval < 1):
            raise ValueError(f"state_interval needs a state_path and >= 1 s, got {state_interval!r}")
        self.binary = binary or find_anvil()
        self.port = port or free_port()
        self.chain_id = chain_id
        self.genesis_timestamp = genesis_timestamp
        self.silent = silent
        self.startup_timeout = startup_timeout
        self.state_path = None if state_path is None else Path(state_path)
        self.state_interval = state_interval
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self._tmp: str | None = None

    def command(self) -> list[str]:
        assert self._tmp is not None
        cmd = [
            self.binary,
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--chain-id", str(self.chain_id),
            "--timestamp", str(self.genesis_timestamp),
            "--hardfork", "cancun",
            "--prune-history", "256",  # a short window of states (evm_revert / debugging); nothing on disk
            "--cache-path", os.path.join(self._tmp, "cache"),
        ]
        if self.state_path is not None:
            # load the chain from the file when it exists, dump it there on a graceful exit
            cmd += ["--state", str(self.state_path)]
            if self.state_interval is not None:
                cmd += ["--state-interval", str(self.state_interval)]
        if self.silent:
            cmd.append("--silent")
        return cmd

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> "AnvilNode":
        """Start anvil (a no-op while it runs; after :meth:`kill` or a crash it starts a new one)."""
        if self.running:
            return self
        if self.process is not None:  # killed or crashed: forget it before starting again
            self.process = None
            self._cleanup()
        if self.state_path is not None:
            self.state_path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = tempfile.mkdtemp(prefix="bois-anvil-")
        env = {**os.environ, "HOME": self._tmp}
        out: Any = subprocess.DEVNULL if self.silent else None
        self.process = subprocess.Popen(self.command(), env=env, stdout=out, stderr=out)
        deadline = time.monotonic() + self.startup_timeout
        while True:
            if self.process.poll() is not None:
                code = self.process.returncode
                self._cleanup()
                state = f" (state file {self.state_path})" if self.state_path is not None else ""
                raise ChainError(f"anvil exited with code {code} while starting on {self.url}{state}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise ChainError(f"anvil did not open {self.url} within {self.startup_timeout:.0f} s") from None
                time.sleep(0.02)
        self._configure_clock()
        return self

    def _configure_clock(self) -> None:
        from .chain import rpc_request

        # One second per block, like the embedded chain (deterministic timestamps).
        rpc_request(self.url, "anvil_setBlockTimestampInterval", [1])
        latest = rpc_request(self.url, "eth_getBlockByNumber", ["latest", False])
        if int(latest["number"], 16) > 0:
            # A chain loaded from state_path: anvil restarts its clock from --timestamp (or the
            # wall clock), which would put the next block before its parent. Continue from it.
            rpc_request(self.url, "evm_setNextBlockTimestamp", [int(latest["timestamp"], 16) + 1])

    def kill(self) -> None:
        """Kill the process abruptly (SIGKILL; tests of a node dying mid-run).

        No state is dumped: with ``state_path`` the file keeps the last graceful or
        ``state_interval`` dump. :meth:`start` afterwards starts a new process on the same port.
        """
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop gracefully (SIGTERM: anvil dumps ``state_path`` first), SIGKILL after 10 s."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=10)
            self.process = None
        self._cleanup()

    def restart(self) -> "AnvilNode":
        """Stop gracefully and start again on the same URL (the same chain with ``state_path``)."""
        self.stop()
        return self.start()

    def _cleanup(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> "AnvilNode":
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


__all__ = ["AnvilNode", "AnvilNotFound", "find_anvil", "free_port", "DEV_CHAIN_ID", "DEV_ACCOUNT"]
