"""A small interface over an Ethereum chain: send, call, time, snapshots, logs.

Two backends implement :class:`Chain`:

* :class:`EmbeddedChain` - eth-tester + py-evm in this process (the default). A
  ``web3.Web3`` over ``EthereumTesterProvider`` is available as ``.w3``; the hot path
  talks to the ``EthereumTester`` object directly (exact revert bytes, no JSON round trip).
* :class:`RpcChain` - any JSON-RPC node (anvil, geth, Besu) over plain JSON-RPC on one
  keep-alive HTTP connection; on an automining anvil one ``eth_sendRawTransactionSync``
  per transaction (the receipt comes in the answer), elsewhere the receipt is polled
  (at once, then backing off from 0.1 ms to ``poll_interval``, 1 ms).

Every transaction is signed locally (coincurve, no eth-account round trip) with an explicit
gas limit and a locally tracked nonce (resynchronised from the node on 'nonce too low' or
any failed send). A rejected action costs no block, no nonce and no time, exactly like the
in-memory platform, and :class:`RevertError` carries the raw revert data for the caller to
decode. Two ways get there:

* *preflight* (geth, Besu, any shared node): the transaction is first executed as an
  ``eth_call`` on the pending block; if that reverts nothing is sent.
* *optimistic* (eth-tester, anvil): the transaction is sent directly. eth-tester rejects a
  failing transaction without mining it; on anvil a failed receipt is undone with
  ``anvil_rollback(1)`` and the call is re-run on the restored state to get the revert data.
  One round trip per action instead of two.

Connection failures raise :class:`NodeUnreachable` naming the URL; everything a node
answers unexpectedly raises :class:`RpcError` (both :class:`bois.errors.ChainError`).

Time (embedded chain): the genesis block is at :data:`GENESIS_TIMESTAMP` and every block
is exactly one second after its parent (the wall clock is never read), so runs are
reproducible. Views read the latest block; a transaction runs in a new block, one second
later than :meth:`Chain.now`.
"""

from __future__ import annotations

import ast
import functools
import http.client
import json
import socket
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Sequence
from urllib.parse import urlsplit

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address

from .errors import ChainError

GENESIS_TIMESTAMP = 2_000_000_000  # 2033-05-18; far enough ahead that the wall clock never interferes
MAX_FEE_PER_GAS = 20 * 10**9
FUND_WEI = 10 * 10**18
TRANSFER_GAS = 21_000


class NodeUnreachable(ChainError):
    """The JSON-RPC node cannot be reached (not running, wrong URL, or it died mid-run)."""


class RpcError(ChainError):
    """The node answered a JSON-RPC request with an error (``code``, ``message``, ``data``)."""

    def __init__(self, url: str, method: str, code: int, message: str, data: Any = None) -> None:
        self.url, self.method, self.code, self.rpc_message, self.data = url, method, code, message, data
        super().__init__(f"{method} failed on the JSON-RPC node at {url}: {message} (code {code})")


class RevertError(ChainError):
    """A call or transaction reverted; ``data`` holds the raw revert bytes (possibly empty)."""

    def __init__(self, data: bytes, message: str = "") -> None:
        self.data = data
        self.message = message
        super().__init__(message or ("reverted with data 0x" + data.hex()))


@dataclass(frozen=True)
class RawLog:
    address: str
    topics: tuple[bytes, ...]
    data: bytes


@dataclass(frozen=True)
class TxResult:
    tx_hash: str
    block_number: int
    gas_used: int
    status: int
    logs: tuple[RawLog, ...]
    contract_address: str | None = None


@dataclass
class _Sender:
    account: LocalAccount = field(repr=False)
    nonce: int = 0
    signer: Any = field(default=None, repr=False)  # coincurve.PrivateKey when available


def _signer(key: bytes) -> Any:
    try:
        from coincurve import PrivateKey
    except ImportError:  # pragma: no cover - coincurve is a pinned dependency
        return None
    return PrivateKey(key)


def sign_transaction(
    sender: _Sender, chain_id: int, to: str | None, data: bytes, gas: int, value: int, max_fee: int
) -> tuple[bytes, bytes]:
    """A signed EIP-1559 transaction from ``sender`` at its current nonce: (raw bytes, hash)."""
    import rlp

    if sender.signer is None:
        tx: dict[str, Any] = {
            "data": data, "gas": gas, "maxFeePerGas": max_fee, "maxPriorityFeePerGas": 0, "nonce": sender.nonce,
            "chainId": chain_id, "value": value, "type": 2,
        }
        if to is not None:
            tx["to"] = to
        signed = sender.account.sign_transaction(tx)
        return bytes(signed.raw_transaction), bytes(signed.hash)
    to_bytes = bytes.fromhex(to[2:]) if to is not None else b""
    fields: list[Any] = [chain_id, sender.nonce, 0, max_fee, gas, to_bytes, value, data, []]
    digest = keccak(b"\x02" + rlp.encode(fields))
    sig = sender.signer.sign_recoverable(digest, hasher=None)  # r || s || v, low-s
    fields += [sig[64], int.from_bytes(sig[0:32], "big"), int.from_bytes(sig[32:64], "big")]
    raw = b"\x02" + rlp.encode(fields)
    return raw, keccak(raw)


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


def _to_bytes(value: Any) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        return bytes.fromhex(value[2:] if value.startswith("0x") else value)
    if hasattr(value, "hex"):
        return bytes(value)
    raise TypeError(f"cannot read {value!r} as bytes")


def deterministic_key(index: int, namespace: str = "bois") -> bytes:
    """The ``index``-th private key of a deterministic sequence (test and simulation accounts)."""
    return keccak(f"{namespace}:account:{index}".encode())


class Chain(ABC):
    """What the platform client needs from a chain."""

    chain_id: int
    admin: str
    _senders: dict[str, _Sender]
    _account_index: int
    _key_namespace: str = "bois"
    max_fee_per_gas: int = MAX_FEE_PER_GAS
    # True: eth_call every transaction first and send only if it passes. False: send
    # directly; a failing transaction must change nothing (the backend's _failed() undoes it).
    preflight: bool = True

    def describe(self) -> str:
        """Where this chain is, for error messages."""
        return "the embedded chain"

    # ----- accounts -------------------------------------------------------------------
    def add_key(self, private_key: bytes) -> str:
        """Sign for the account of ``private_key`` from now on; returns its address."""
        account: LocalAccount = Account.from_key(private_key)
        if account.address not in self._senders:
            key = bytes(account.key)
            self._senders[account.address] = _Sender(account, self._nonce(account.address), _signer(key))
        return str(account.address)

    def new_account(self, fund_wei: int = FUND_WEI) -> str:
        """A fresh account from the deterministic key sequence, funded by the admin."""
        while True:
            key = deterministic_key(self._account_index, self._key_namespace)
            self._account_index += 1
            address = str(Account.from_key(key).address)
            if address not in self._senders:
                break
        self.add_key(key)
        if fund_wei:
            self.transact(self.admin, address, b"", TRANSFER_GAS, value=fund_wei, preflight=False)
        return address

    def accounts(self) -> list[str]:
        return list(self._senders)

    # ----- transactions ---------------------------------------------------------------
    def transact(
        self, sender: str, to: str | None, data: bytes, gas: int, value: int = 0, preflight: bool = True
    ) -> TxResult:
        """Sign and send one transaction, wait for its receipt. Raises RevertError on a revert."""
        try:
            s = self._senders[sender]
        except KeyError:
            raise ChainError(f"no key for sender {sender!r}: create it with new_account() or add_key()") from None
        if preflight and self.preflight:
            self._call_raw(sender, to, data, gas, value, "pending")
        for attempt in range(3):
            raw, _ = sign_transaction(s, self.chain_id, to, data, gas, value, self.max_fee_per_gas)
            try:
                result = self._send_raw(raw)
            except RpcError as exc:
                self._resync(s)  # the node decides whether the nonce was used
                if attempt < 2 and "nonce too low" in exc.rpc_message.lower():
                    continue
                raise
            except Exception:
                self._resync(s)
                raise
            break
        s.nonce += 1
        if result.status != 1:
            if preflight and not self.preflight:
                self._failed(s, result, to, data, gas, value)
            raise RevertError(b"", f"transaction {result.tx_hash} failed (status 0, gas used {result.gas_used})")
        return result

    def _resync(self, s: _Sender) -> None:
        try:
            s.nonce = self._nonce(str(s.account.address))
        except ChainError:
            pass  # the node is gone; the caller gets the original error

    def _failed(self, s: _Sender, result: TxResult, to: str | None, data: bytes, gas: int, value: int) -> None:
        """Optimistic mode: undo the mined, failed ``result``; raise RevertError with its revert data."""
        raise RevertError(b"", f"transaction {result.tx_hash} failed (status 0, gas used {result.gas_used})")

    def deploy(self, sender: str, bytecode: bytes, gas: int = 8_000_000) -> tuple[str, TxResult]:
        """Deploy contract creation code; returns (address, result)."""
        result = self.transact(sender, None, bytecode, gas, preflight=False)
        if result.contract_address is None:
            raise ChainError(f"deployment {result.tx_hash} has no contract address")
        return result.contract_address, result

    def call(self, to: str, data: bytes, sender: str | None = None, gas: int | None = None) -> bytes:
        """Execute a read-only call on the latest block. Raises RevertError on a revert."""
        return self._call_raw(sender, to, data, gas, 0, "latest")

    # ----- backend specifics ----------------------------------------------------------
    @abstractmethod
    def _nonce(self, address: str) -> int: ...

    @abstractmethod
    def _send_raw(self, raw: bytes) -> TxResult: ...

    @abstractmethod
    def _call_raw(
        self, sender: str | None, to: str | None, data: bytes, gas: int | None, value: int, block: str
    ) -> bytes: ...

    @abstractmethod
    def now(self) -> int:
        """Timestamp of the latest block (what views see)."""

    @abstractmethod
    def block_number(self) -> int: ...

    @abstractmethod
    def advance_time(self, seconds: int) -> None:
        """Mine a block ``seconds`` after the latest one, so that ``now()`` grows by ``seconds``."""

    @abstractmethod
    def snapshot(self) -> Any: ...

    @abstractmethod
    def revert(self, snapshot_id: Any) -> None: ...

    @abstractmethod
    def get_code(self, address: str) -> bytes: ...

    @abstractmethod
    def logs(self, address: str, from_block: int, to_block: int) -> list[RawLog]:
        """Logs of ``address`` in blocks ``from_block..to_block`` (keep the range narrow)."""


class EmbeddedChain(Chain):
    """eth-tester + py-evm in this process; deterministic clock; cheap snapshots."""

    def __init__(self, genesis_timestamp: int = GENESIS_TIMESTAMP, gas_limit: int = 60_000_000) -> None:
        from eth_tester import EthereumTester, PyEVMBackend
        from web3 import EthereumTesterProvider, Web3

        params = PyEVMBackend.generate_genesis_params(overrides={"timestamp": genesis_timestamp, "gas_limit": gas_limit})
        self.backend = PyEVMBackend(genesis_parameters=params)
        self.tester = EthereumTester(self.backend)
        self.w3 = Web3(EthereumTesterProvider(self.tester))
        self.chain_id = int(self.backend.chain.chain_id)
        self._senders = {}
        self._account_index = 0
        admin_key = self.backend.account_keys[0].to_bytes()
        self.admin = self.add_key(admin_key)
        self._snapshots: dict[int, tuple[Any, dict[str, int]]] = {}
        self._snapshot_counter = 0
        # eth-tester executes a transaction before mining it and raises TransactionFailed
        # (with the revert bytes) without mining anything: no preflight call needed.
        self.preflight = False

    def _nonce(self, address: str) -> int:
        return int(self.tester.get_nonce(address))

    def _send_raw(self, raw: bytes) -> TxResult:
        from eth_tester.exceptions import TransactionFailed

        try:
            tx_hash = self.tester.send_raw_transaction(_hex(raw))
        except TransactionFailed as exc:
            raise RevertError(_revert_bytes(exc), str(exc)) from None
        r = self.tester.get_transaction_receipt(tx_hash)
        logs = tuple(
            RawLog(
                to_checksum_address(log["address"]),
                tuple(_to_bytes(t) for t in log["topics"]),
                _to_bytes(log["data"]),
            )
            for log in r["logs"]
        )
        created = r.get("contract_address")
        return TxResult(
            tx_hash=str(tx_hash),
            block_number=int(r["block_number"]),
            gas_used=int(r["gas_used"]),
            status=int(r["status"]),
            logs=logs,
            contract_address=to_checksum_address(created) if created else None,
        )

    def _failed(self, s: _Sender, result: TxResult, to: str | None, data: bytes, gas: int, value: int) -> None:
        # eth-tester mines a failing transaction (status 0): rewind to its parent block (a
        # py-evm snapshot is just a block hash), then replay it as a call for the revert data.
        parent = self.tester.get_block_by_number(result.block_number - 1)
        self.backend.revert_to_snapshot(_to_bytes(parent["hash"]))
        s.nonce -= 1
        self._call_raw(str(s.account.address), to, data, gas, value, "pending")
        raise RevertError(b"", f"transaction {result.tx_hash} failed (status 0) but its call succeeds on replay")

    def _call_raw(
        self, sender: str | None, to: str | None, data: bytes, gas: int | None, value: int, block: str
    ) -> bytes:
        from eth_tester.exceptions import TransactionFailed

        tx: dict[str, Any] = {"data": _hex(data), "from": sender or self.admin, "value": value}
        if to is not None:
            tx["to"] = to
        if gas is not None:
            tx["gas"] = gas
        try:
            return _to_bytes(self.tester.call(tx, block))
        except TransactionFailed as exc:
            raise RevertError(_revert_bytes(exc), str(exc)) from None

    def now(self) -> int:
        return int(self.tester.get_block_by_number("latest")["timestamp"])

    def block_number(self) -> int:
        return int(self.tester.get_block_by_number("latest")["number"])

    def advance_time(self, seconds: int) -> None:
        if seconds < 0:
            raise ValueError(f"cannot move time backwards ({seconds} s)")
        if seconds == 0:
            return
        # eth-tester's time_travel(t) mines a block at t - 1 and leaves the pending block at t.
        self.tester.time_travel(self.now() + seconds + 1)

    def snapshot(self) -> int:
        self._snapshot_counter += 1
        nonces = {a: s.nonce for a, s in self._senders.items()}
        self._snapshots[self._snapshot_counter] = (self.tester.take_snapshot(), nonces)
        return self._snapshot_counter

    def revert(self, snapshot_id: Any) -> None:
        try:
            tester_snapshot, nonces = self._snapshots[snapshot_id]
        except KeyError:
            raise ChainError(f"unknown snapshot {snapshot_id!r}") from None
        self.tester.revert_to_snapshot(tester_snapshot)
        for address, s in self._senders.items():
            s.nonce = nonces.get(address, 0)

    def get_code(self, address: str) -> bytes:
        return _to_bytes(self.tester.get_code(address))

    def logs(self, address: str, from_block: int, to_block: int) -> list[RawLog]:
        out: list[RawLog] = []
        for n in range(from_block, to_block + 1):
            block = self.tester.get_block_by_number(n)
            for tx_hash in block["transactions"]:
                r = self.tester.get_transaction_receipt(tx_hash)
                for log in r["logs"]:
                    if to_checksum_address(log["address"]) == address:
                        out.append(
                            RawLog(address, tuple(_to_bytes(t) for t in log["topics"]), _to_bytes(log["data"]))
                        )
        return out


DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"  # anvil/hardhat dev account 0
DEV_CHAIN_IDS = (31337,)


class JsonRpc:
    """Minimal JSON-RPC 2.0 over one keep-alive HTTP(S) connection (no web3 formatting layers).

    The standard library's ``http.client`` (TCP_NODELAY). Measured on a local anvil: about
    0.3 ms per ``eth_blockNumber``; a hand-written HTTP/1.1 framing over a raw socket took
    0.15-0.23 ms, and h11 over a raw socket 0.3-0.45 ms. The hand-written one was not kept:
    HTTP framing (chunked answers, proxies, connection reuse) is the standard library's job,
    and on a transaction the round trip is the smaller part (``scripts/bench_backends.py``).
    """

    def __init__(self, url: str, timeout: float = 60.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ChainError(f"expected an http(s):// JSON-RPC URL, got {url!r}")
        self.url = url
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._https else 80)
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None
        self._id = 0
        self.ever_connected = False

    def _connect(self) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        conn = cls(self._host, self._port, timeout=self.timeout)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _unreachable(self, method: str, exc: BaseException) -> NodeUnreachable:
        reason = type(exc).__name__ if not str(exc) else f"{type(exc).__name__}: {exc}"
        if self.ever_connected:
            return NodeUnreachable(
                f"the JSON-RPC node at {self.url} is unreachable ({reason}) during {method}: "
                "it stopped answering mid-run; is it still running?"
            )
        return NodeUnreachable(f"cannot reach a JSON-RPC node at {self.url} ({reason}); is it running?")

    def _exchange(self, body: bytes) -> tuple[int, bytes]:
        """One POST on the keep-alive connection: (status, body)."""
        if self._conn is None:
            self._conn = self._connect()
        self._conn.request("POST", self._path, body, {"Content-Type": "application/json"})
        resp = self._conn.getresponse()
        return resp.status, resp.read()

    def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        self._id += 1
        body = json.dumps({"jsonrpc": "2.0", "id": self._id, "method": method, "params": list(params)}).encode()
        for attempt in (0, 1):
            reused = self._conn is not None
            try:
                status, payload = self._exchange(body)
                break
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                # A keep-alive connection the server closed while idle: retry once on a new one.
                stale = reused and isinstance(
                    exc, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
                )
                if attempt == 0 and stale:
                    continue
                raise self._unreachable(method, exc) from None
            except BaseException:  # e.g. KeyboardInterrupt mid-answer: never reuse a half-read connection
                self.close()
                raise
        self.ever_connected = True
        if status != 200:
            raise RpcError(self.url, method, status, f"HTTP {status}: {payload[:200]!r}")
        try:
            answer = json.loads(payload)
        except ValueError:
            raise RpcError(self.url, method, -1, f"not JSON: {payload[:200]!r}") from None
        error = answer.get("error")
        if error is not None:
            raise RpcError(self.url, method, int(error.get("code", 0)), str(error.get("message", "")), error.get("data"))
        return answer.get("result")


def rpc_request(url: str, method: str, params: Sequence[Any] = ()) -> Any:
    """One JSON-RPC request on a fresh connection."""
    rpc = JsonRpc(url)
    try:
        return rpc.request(method, params)
    finally:
        rpc.close()


@functools.lru_cache(maxsize=1024)
def _checksum(address: str) -> str:
    """to_checksum_address, cached: a receipt's logs come from the same few contracts."""
    return str(to_checksum_address(address))


def _qty(value: Any) -> int:
    return int(value, 16) if isinstance(value, str) else int(value)


class RpcChain(Chain):
    """A JSON-RPC node (anvil, geth, Besu); plain JSON-RPC, receipts in the answer on an
    automining anvil (``eth_sendRawTransactionSync``), else polled up to every ~1 ms.

    ``private_key`` signs as the admin (deployer); ``None`` is allowed only on a
    development node (chain id 31337), whose first well-known dev account is used. Accounts
    made with :meth:`new_account` come from a deterministic sequence derived from the admin
    key (reproducible, but not guessable from public data) and are funded by the admin with
    ``fund_wei``. ``preflight=None`` chooses: optimistic on anvil, preflight elsewhere.
    """

    def __init__(
        self,
        url: str,
        private_key: bytes | str | None = None,
        poll_interval: float = 0.001,
        timeout: float = 60.0,
        receipt_timeout: float = 120.0,
        preflight: bool | None = None,
        fund_wei: int = FUND_WEI,
    ) -> None:
        self.url = url
        self.rpc = JsonRpc(url, timeout)
        self.poll_interval = poll_interval
        self.receipt_timeout = receipt_timeout
        self.fund_wei = fund_wei
        self.chain_id = _qty(self.rpc.request("eth_chainId"))
        try:
            self.client_version = str(self.rpc.request("web3_clientVersion"))
        except RpcError:
            self.client_version = "unknown"
        self.is_anvil = self.client_version.lower().startswith("anvil")
        self.preflight = (not self.is_anvil) if preflight is None else preflight
        if not self.preflight and not self.is_anvil:
            raise ChainError(f"optimistic sending needs anvil_rollback; {url} runs {self.client_version}")
        try:
            gas_price = _qty(self.rpc.request("eth_gasPrice"))
        except RpcError:
            gas_price = 0
        self.max_fee_per_gas = max(MAX_FEE_PER_GAS, 2 * gas_price)
        # eth_sendRawTransactionSync (EIP-7966) answers with the receipt: one round trip per
        # transaction instead of a send and one or more receipt polls. Used on anvil when it
        # automines (checked before the first transaction: None), so the answer never waits
        # for a block time; elsewhere, and on an anvil without it, send and poll.
        self._send_sync: bool | None = None if self.is_anvil else False
        self._senders = {}
        self._account_index = 0
        self._snapshots: dict[int, tuple[Any, dict[str, int]]] = {}
        self._snapshot_counter = 0
        if private_key is None:
            if self.chain_id not in DEV_CHAIN_IDS:
                raise ChainError(
                    f"no key for the JSON-RPC node at {url} (chain id {self.chain_id}): set BOIS_PRIVATE_KEY "
                    "or use --keystore; the built-in development key is only used on chain id 31337"
                )
            private_key = DEV_KEY
        try:
            key = _to_bytes(private_key)
            if len(key) != 32:
                raise ValueError
        except (ValueError, TypeError):
            raise ChainError("the private key is not 32 bytes of hex") from None  # never echo the key
        self._key_namespace = "bois:" + keccak(b"bois-accounts:" + key).hex()
        self.admin = self.add_key(key)

    def describe(self) -> str:
        return f"the JSON-RPC node at {self.url}"

    def new_account(self, fund_wei: int | None = None) -> str:
        # The sequence is the same in every process with this admin key: skip the accounts an
        # earlier run already used on this node (nonce > 0), so e.g. a second `bois demo
        # --manifest` on the same deployment gets fresh firms instead of FirmAlreadyRegistered.
        while True:
            address = str(Account.from_key(deterministic_key(self._account_index, self._key_namespace)).address)
            if address in self._senders or self._nonce(address) == 0:
                break
            self._account_index += 1
        return super().new_account(self.fund_wei if fund_wei is None else fund_wei)

    def _nonce(self, address: str) -> int:
        return _qty(self.rpc.request("eth_getTransactionCount", [address, "pending"]))

    def _send_raw(self, raw: bytes) -> TxResult:
        if self._send_sync is None:
            self._send_sync = self._automining()
        if self._send_sync:
            try:
                r = self.rpc.request("eth_sendRawTransactionSync", [_hex(raw)])
            except RpcError as exc:
                if exc.code == -32601:  # an anvil without EIP-7966: send and poll from now on
                    self._send_sync = False
                    return self._send_raw(raw)
                data = _rpc_error_revert_bytes(exc)
                if data is not None:
                    raise RevertError(data, str(exc)) from None
                raise
            except NodeUnreachable as exc:
                raise NodeUnreachable(
                    f"{exc} (transaction {_hex(keccak(raw))} may or may not have been sent and mined)"
                ) from None
            if isinstance(r, dict) and r.get("transactionHash"):
                return self._result(str(r["transactionHash"]), r)
            # no receipt in the answer: wait for it as after eth_sendRawTransaction
            tx_hash = _hex(keccak(raw))
            return self._result(tx_hash, self._wait_for_receipt(tx_hash))
        try:
            tx_hash = str(self.rpc.request("eth_sendRawTransaction", [_hex(raw)]))
        except RpcError as exc:
            data = _rpc_error_revert_bytes(exc)
            if data is not None:
                raise RevertError(data, str(exc)) from None
            raise
        return self._result(tx_hash, self._wait_for_receipt(tx_hash))

    def _automining(self) -> bool:
        """anvil mining each transaction as it arrives: eth_sendRawTransactionSync never waits for a block."""
        if not self.is_anvil:
            return False
        try:
            return self.rpc.request("anvil_getAutomine") is True
        except RpcError:
            return False

    def _wait_for_receipt(self, tx_hash: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.receipt_timeout
        # Poll at once, then after 0.1, 0.2, 0.4 ... ms up to poll_interval: a local node
        # usually has the receipt within a fraction of a millisecond.
        delay = min(0.0001, self.poll_interval)
        try:
            while True:
                r = self.rpc.request("eth_getTransactionReceipt", [tx_hash])
                if r is not None:
                    return dict(r)
                if time.monotonic() > deadline:
                    raise ChainError(f"no receipt for {tx_hash} from {self.url} after {self.receipt_timeout:.0f} s")
                time.sleep(delay)
                delay = min(2 * delay, self.poll_interval)
        except NodeUnreachable as exc:
            raise NodeUnreachable(f"{exc} (transaction {tx_hash} was sent; it may or may not be mined)") from None

    def _result(self, tx_hash: str, r: dict[str, Any]) -> TxResult:
        logs = tuple(
            RawLog(_checksum(log["address"]), tuple(_to_bytes(t) for t in log["topics"]), _to_bytes(log["data"]))
            for log in r["logs"]
        )
        created = r.get("contractAddress")
        return TxResult(
            tx_hash=tx_hash,
            block_number=_qty(r["blockNumber"]),
            gas_used=_qty(r["gasUsed"]),
            status=_qty(r["status"]),
            logs=logs,
            contract_address=to_checksum_address(created) if created else None,
        )

    def _failed(self, s: _Sender, result: TxResult, to: str | None, data: bytes, gas: int, value: int) -> None:
        # Optimistic mode (anvil): undo the failed block, then re-run the call on the same state.
        if self.block_number() != result.block_number:
            raise ChainError(
                f"transaction {result.tx_hash} failed in block {result.block_number}, which is no longer the head "
                f"of {self.url}; another client is using this node (use preflight=True)"
            )
        try:
            self.rpc.request("anvil_rollback", [1])
        except RpcError as exc:
            raise ChainError(
                f"cannot undo failed transaction {result.tx_hash} on {self.url} ({exc.rpc_message}): start anvil "
                "with --prune-history N (N > 0; bois.node.AnvilNode does) or use RpcChain(..., preflight=True)"
            ) from None
        s.nonce -= 1
        self._call_raw(str(s.account.address), to, data, gas, value, "pending")
        raise RevertError(b"", f"transaction {result.tx_hash} failed (status 0) but its call succeeds on replay")

    def _call_raw(
        self, sender: str | None, to: str | None, data: bytes, gas: int | None, value: int, block: str
    ) -> bytes:
        tx: dict[str, Any] = {"from": sender or self.admin, "data": _hex(data)}
        if value:
            tx["value"] = hex(value)
        if to is not None:
            tx["to"] = to
        if gas is not None:
            tx["gas"] = hex(gas)
        try:
            return _to_bytes(self.rpc.request("eth_call", [tx, block]))
        except RpcError as exc:
            data_bytes = _rpc_error_revert_bytes(exc)
            if data_bytes is not None:
                raise RevertError(data_bytes, str(exc)) from None
            raise

    def now(self) -> int:
        return _qty(self.rpc.request("eth_getBlockByNumber", ["latest", False])["timestamp"])

    def block_number(self) -> int:
        return _qty(self.rpc.request("eth_blockNumber"))

    def advance_time(self, seconds: int) -> None:
        if seconds < 0:
            raise ValueError(f"cannot move time backwards ({seconds} s)")
        if seconds == 0:
            return
        # evm_mine with a timestamp (anvil, hardhat) mines one block exactly there; it also
        # works under anvil_setBlockTimestampInterval, which overrides evm_increaseTime.
        self.rpc.request("evm_mine", [self.now() + seconds])

    def snapshot(self) -> int:
        """A snapshot id of this client. anvil consumes a node snapshot on revert (and drops
        later ones), so :meth:`revert` re-snapshots and the same id can be reverted to again."""
        self._snapshot_counter += 1
        node_id = self.rpc.request("evm_snapshot")
        self._snapshots[self._snapshot_counter] = (node_id, {a: s.nonce for a, s in self._senders.items()})
        return self._snapshot_counter

    def revert(self, snapshot_id: Any) -> None:
        try:
            node_id, nonces = self._snapshots[snapshot_id]
        except KeyError:
            raise ChainError(f"unknown snapshot {snapshot_id!r}") from None
        if self.rpc.request("evm_revert", [node_id]) is not True:
            raise ChainError(f"{self.url} refused evm_revert to snapshot {node_id} (taken before an earlier revert?)")
        self._snapshots[snapshot_id] = (self.rpc.request("evm_snapshot"), nonces)
        for address, s in self._senders.items():
            s.nonce = nonces.get(address, 0)

    def get_code(self, address: str) -> bytes:
        return _to_bytes(self.rpc.request("eth_getCode", [to_checksum_address(address), "latest"]))

    def logs(self, address: str, from_block: int, to_block: int) -> list[RawLog]:
        raw = self.rpc.request(
            "eth_getLogs", [{"address": to_checksum_address(address), "fromBlock": hex(from_block), "toBlock": hex(to_block)}]
        )
        return [
            RawLog(to_checksum_address(log["address"]), tuple(_to_bytes(t) for t in log["topics"]), _to_bytes(log["data"]))
            for log in raw
        ]


def _rpc_error_revert_bytes(exc: RpcError) -> bytes | None:
    """Revert data in a node's JSON-RPC error: ``data`` as hex (anvil, geth) or {"data": hex}."""
    data = exc.data
    if isinstance(data, dict):
        data = data.get("data")
    if isinstance(data, str) and data.startswith("0x"):
        try:
            return bytes.fromhex(data[2:])
        except ValueError:
            pass
    if "revert" in exc.rpc_message.lower():
        return b""
    return None


def _revert_bytes(exc: Exception) -> bytes:
    """The raw revert data inside eth-tester's TransactionFailed (b"" when there is none)."""
    arg: Any = exc.args[0] if exc.args else b""
    if isinstance(arg, Exception):
        arg = arg.args[0] if arg.args else b""
    if isinstance(arg, (bytes, bytearray)):
        return bytes(arg)
    if isinstance(arg, str):
        text = arg
        if text.startswith("execution reverted: "):
            text = text[len("execution reverted: ") :]
        if text.startswith(("b'", 'b"')):
            try:
                value = ast.literal_eval(text)
                if isinstance(value, bytes):
                    return value
            except (ValueError, SyntaxError):
                pass
        # an Error(string) reason already decoded by eth-tester: re-encode it
        from eth_abi import encode

        return bytes.fromhex("08c379a0") + encode(["string"], [text])
    return b""


__all__ = [
    "Chain",
    "EmbeddedChain",
    "RpcChain",
    "RevertError",
    "NodeUnreachable",
    "RpcError",
    "JsonRpc",
    "rpc_request",
    "RawLog",
    "TxResult",
    "GENESIS_TIMESTAMP",
    "deterministic_key",
]
