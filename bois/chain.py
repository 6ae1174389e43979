"""A small interface over an Ethereum chain: send, call, time, snapshots, logs.

Two backends implement :class:`Chain`:

* :class:`EmbeddedChain` - eth-tester + py-evm in this process (the default). A
  ``web3.Web3`` over ``EthereumTesterProvider`` is available as ``.w3``; the hot path
  talks to the ``EthereumTester`` object directly (exact revert bytes, no JSON round trip).
* :class:`RpcChain` - any JSON-RPC node (anvil, geth, Besu) through web3's
  ``HTTPProvider``, with receipt polling every millisecond.

Every transaction is signed locally with an explicit gas limit. Before sending, the
transaction is executed as an ``eth_call`` on the pending block (the state and timestamp
it will be mined with); if that reverts, nothing is sent and :class:`RevertError` carries
the raw revert data for the caller to decode. So a rejected action costs no block, no
nonce and no time, exactly like the in-memory platform.

Time (embedded chain): the genesis block is at :data:`GENESIS_TIMESTAMP` and every block
is exactly one second after its parent (the wall clock is never read), so runs are
reproducible. Views read the latest block; a transaction runs in a new block, one second
later than :meth:`Chain.now`.
"""

from __future__ import annotations

import ast
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Sequence

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address

from .errors import ChainError

GENESIS_TIMESTAMP = 2_000_000_000  # 2033-05-18; far enough ahead that the wall clock never interferes
MAX_FEE_PER_GAS = 20 * 10**9
FUND_WEI = 10 * 10**18
TRANSFER_GAS = 21_000


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
    account: LocalAccount
    nonce: int


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

    # ----- accounts -------------------------------------------------------------------
    def add_key(self, private_key: bytes) -> str:
        """Sign for the account of ``private_key`` from now on; returns its address."""
        account: LocalAccount = Account.from_key(private_key)
        if account.address not in self._senders:
            self._senders[account.address] = _Sender(account, self._nonce(account.address))
        return str(account.address)

    def new_account(self, fund_wei: int = FUND_WEI) -> str:
        """A fresh account from the deterministic key sequence, funded by the admin."""
        while True:
            key = deterministic_key(self._account_index)
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
        if preflight:
            self._call_raw(sender, to, data, gas, value, "pending")
        tx: dict[str, Any] = {
            "data": data,
            "gas": gas,
            "maxFeePerGas": MAX_FEE_PER_GAS,
            "maxPriorityFeePerGas": 0,
            "nonce": s.nonce,
            "chainId": self.chain_id,
            "value": value,
            "type": 2,
        }
        if to is not None:
            tx["to"] = to
        signed = s.account.sign_transaction(tx)
        try:
            result = self._send_raw(bytes(signed.raw_transaction))
        except Exception:
            s.nonce = self._nonce(sender)  # resynchronise: the node decides whether the nonce was used
            raise
        s.nonce += 1
        if result.status != 1:
            raise RevertError(b"", f"transaction {result.tx_hash} failed (status 0, gas used {result.gas_used})")
        return result

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


class RpcChain(Chain):
    """A JSON-RPC node (anvil, geth, Besu) through web3's HTTPProvider; receipts polled every ms."""

    def __init__(self, url: str, private_key: bytes | str | None = None, poll_interval: float = 0.001) -> None:
        from web3 import HTTPProvider, Web3

        self.w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": 60}))
        try:
            self.chain_id = int(self.w3.eth.chain_id)
        except Exception as exc:  # connection refused, bad URL, ...
            raise ChainError(f"cannot reach a JSON-RPC node at {url}: {exc}") from None
        self.url = url
        self.poll_interval = poll_interval
        self._senders = {}
        self._account_index = 0
        if private_key is None:
            # anvil / hardhat's first well-known development key
            private_key = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
        key = _to_bytes(private_key)
        self.admin = self.add_key(key)

    def _nonce(self, address: str) -> int:
        return int(self.w3.eth.get_transaction_count(to_checksum_address(address), "pending"))

    def _send_raw(self, raw: bytes) -> TxResult:
        try:
            tx_hash = self.w3.eth.send_raw_transaction(raw)
        except Exception as exc:
            data = _rpc_revert_bytes(exc)
            if data is not None:
                raise RevertError(data, str(exc)) from None
            raise ChainError(f"sending failed: {exc}") from None
        deadline = time.monotonic() + 120
        while True:
            try:
                r = self.w3.eth.get_transaction_receipt(tx_hash)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise ChainError(f"no receipt for {tx_hash.hex()} after 120 s") from None
                time.sleep(self.poll_interval)
        logs = tuple(
            RawLog(to_checksum_address(log["address"]), tuple(bytes(t) for t in log["topics"]), bytes(log["data"]))
            for log in r["logs"]
        )
        created = r.get("contractAddress")
        return TxResult(
            tx_hash="0x" + bytes(tx_hash).hex(),
            block_number=int(r["blockNumber"]),
            gas_used=int(r["gasUsed"]),
            status=int(r["status"]),
            logs=logs,
            contract_address=to_checksum_address(created) if created else None,
        )

    def _call_raw(
        self, sender: str | None, to: str | None, data: bytes, gas: int | None, value: int, block: str
    ) -> bytes:
        tx: dict[str, Any] = {"data": data, "from": sender or self.admin, "value": value}
        if to is not None:
            tx["to"] = to
        if gas is not None:
            tx["gas"] = gas
        try:
            return bytes(self.w3.eth.call(tx, block))  # type: ignore[arg-type]
        except Exception as exc:
            data_bytes = _rpc_revert_bytes(exc)
            if data_bytes is not None:
                raise RevertError(data_bytes, str(exc)) from None
            raise ChainError(f"call failed: {exc}") from None

    def now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def block_number(self) -> int:
        return int(self.w3.eth.block_number)

    def advance_time(self, seconds: int) -> None:
        if seconds < 0:
            raise ValueError(f"cannot move time backwards ({seconds} s)")
        if seconds == 0:
            return
        target = self.now() + seconds
        self.w3.provider.make_request("evm_mine", [target])  # type: ignore[arg-type]

    def snapshot(self) -> Any:
        return self.w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]

    def revert(self, snapshot_id: Any) -> None:
        self.w3.provider.make_request("evm_revert", [snapshot_id])  # type: ignore[arg-type]
        for address, s in self._senders.items():
            s.nonce = self._nonce(address)

    def get_code(self, address: str) -> bytes:
        return bytes(self.w3.eth.get_code(to_checksum_address(address)))

    def logs(self, address: str, from_block: int, to_block: int) -> list[RawLog]:
        raw = self.w3.eth.get_logs({"address": to_checksum_address(address), "fromBlock": from_block, "toBlock": to_block})
        return [
            RawLog(to_checksum_address(log["address"]), tuple(bytes(t) for t in log["topics"]), bytes(log["data"]))
            for log in raw
        ]


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


def _rpc_revert_bytes(exc: Exception) -> bytes | None:
    """Revert data from web3's exceptions for a JSON-RPC node (ContractCustomError('0x...') etc.)."""
    data = getattr(exc, "data", None)
    candidates: Sequence[Any] = [data, *exc.args]
    for c in candidates:
        if isinstance(c, dict):
            c = c.get("data")
        if isinstance(c, str) and c.startswith("0x"):
            try:
                return bytes.fromhex(c[2:])
            except ValueError:
                continue
        if isinstance(c, (bytes, bytearray)):
            return bytes(c)
    if "revert" in str(exc).lower():
        return b""
    return None


__all__ = [
    "Chain",
    "EmbeddedChain",
    "RpcChain",
    "RevertError",
    "RawLog",
    "TxResult",
    "GENESIS_TIMESTAMP",
    "deterministic_key",
]
