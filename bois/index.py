"""Search index: the searching layer's off-chain side.

:class:`OfferIndex` follows the platform's events (``docs/platform.md``, "Events") into a
SQLite file and answers offer searches from it with exactly the semantics of the
``OfferSearch`` lens (and :meth:`bois.memory.MemoryPlatform.search_offers`), in
milliseconds instead of a view call that scans the offer book::

    platform = ChainPlatform.embedded()
    index = OfferIndex("offers.sqlite", ChainEventSource.of(platform))
    index.sync()                                   # read the new blocks
    page = index.search_offers(OfferQuery(EnergyForm.STEAM), now=platform.now())

What is stored (tables ``firms``, ``offers``, ``agreements``, ``meta``): everything the
events say. An offer's ``reserved`` is kept from the agreements: ``AgreementAccepted``
carries the new total (checked against the index's own sum), terminating or closing a
live agreement releases its quantity. Effective states that depend on time or on the
supplier (an offer past ``validUntil``, an agreement SUSPENDED or EXPIRED) are never
stored: they are derived at query time from a ``now`` argument, exactly like the views.

Sync: blocks are read in ranges of ``batch_blocks`` (500 by default) and each range is
applied in ONE SQLite transaction together with the new "last block number + hash", so a
crash leaves the file at the end of the previous range, never inside a block. A new
:class:`OfferIndex` on the same file resumes after the stored block.

Reorgs (and ``snapshot``/``revert`` on a test chain): the stored last block's hash is
checked against the chain before anything is read, and every range's first block must
be the child of the stored block. On a mismatch the index raises
:class:`IndexReorgError` naming the block (``on_reorg="raise"``, the default), or rolls
back to the newest block it still shares with the chain using its per-block undo log
and reads forward again (``on_reorg="rollback"``; the undo log covers the last
``reorg_depth`` blocks), or drops everything and re-reads from the start block
(``on_reorg="rebuild"``).

Sources: :class:`ChainEventSource` reads a :class:`bois.chain_platform.ChainPlatform`.
On the embedded chain it reads blocks and receipts straight from py-evm (eth-tester's
own ``get_logs`` / receipt lookups scan backwards from the head and are 100x slower);
on a JSON-RPC node (:class:`bois.chain.RpcChain`) it sends raw ``eth_getLogs`` /
``eth_getBlockByNumber`` requests over the range through ``chain.rpc``.

A node that dies mid-sync raises :class:`bois.chain.NodeUnreachable` naming its URL, the
block range being read and the block the file stays at: reads happen outside the SQLite
transactions, so the file holds exactly the ranges applied before the failure and the
next :meth:`OfferIndex.sync` (once the node is back with the same chain) resumes there.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sqlite3
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Protocol, Sequence

from eth_utils import to_checksum_address

from . import errors
from .validate import check_int, check_uint
from .chain import NodeUnreachable
from .platform import DEFAULT_SEARCH_LIMIT, Event
from .types import (
    Agreement,
    AgreementState,
    EnergyForm,
    Firm,
    FirmStatus,
    Offer,
    OfferMatch,
    OfferQuery,
    OfferStatus,
    SearchPage,
    mask_to_forms,
)

SCHEMA_VERSION = 1
MAX_SEARCH_LIMIT = 200
N_FORMS = 7
UINT8, UINT40, UINT64, UINT256 = 2**8 - 1, 2**40 - 1, 2**64 - 1, 2**256 - 1
INT16 = (-(2**15), 2**15 - 1)
INT32 = (-(2**31), 2**31 - 1)
INT64_MAX = 2**63 - 1
_CAN_TRADE = (int(FirmStatus.OPERATING), int(FirmStatus.RECOVERED))
_PROPOSED, _ACTIVE = int(AgreementState.PROPOSED), int(AgreementState.ACTIVE)
_REJECTED, _TERMINATED, _CLOSED = int(AgreementState.REJECTED), int(AgreementState.TERMINATED), int(AgreementState.CLOSED)


# ----- errors -------------------------------------------------------------------------------
class IndexError_(errors.BoisError):
    """Base class of the index's errors (named with a trailing underscore: not the builtin)."""


class IndexReorgError(IndexError_):
    """The chain no longer contains the block the index stopped at (a reorg or a revert)."""

    def __init__(self, block: int, stored_hash: bytes | None, chain_hash: bytes | None, detail: str = "") -> None:
        self.block = block
        self.stored_hash = stored_hash
        self.chain_hash = chain_hash
        theirs = "no such block" if chain_hash is None else "0x" + chain_hash.hex()
        ours = "none" if stored_hash is None else "0x" + stored_hash.hex()
        super().__init__(
            f"reorg at block {block}: the index holds hash {ours}, the chain has {theirs}"
            + (f" ({detail})" if detail else "")
        )


class IndexMismatchError(IndexError_):
    """The index file was built for another chain id or contract address."""


class IndexCorruptError(IndexError_):
    """The events disagree with what the index holds (a missed block or a bug)."""


# ----- sources ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SourceBlock:
    """A block that carries platform events: ``events`` are (log index, event) in log order."""

    number: int
    hash: bytes
    timestamp: int
    events: tuple[tuple[int, Event], ...]


@dataclass(frozen=True)
class SourceRange:
    """What a source read for blocks ``first..last``.

    ``parent_hash`` is the hash of block ``first - 1`` as recorded in block ``first``
    (how the index checks the range continues what it holds); ``last_hash`` /
    ``last_timestamp`` describe block ``last``; ``blocks`` are the blocks with events.
    """

    first: int
    last: int
    parent_hash: bytes
    last_hash: bytes
    last_timestamp: int
    blocks: tuple[SourceBlock, ...]


class EventSource(Protocol):
    """Where the index reads the platform's events from."""

    chain_id: int
    address: str  # the BoisPlatform contract (checksummed)
    start_block: int  # the first block worth reading (the deployment's)

    def head(self) -> int:
        """The latest block number."""
        ...

    def block_hash(self, number: int) -> bytes | None:
        """The hash of canonical block ``number``, or None when the chain has no such block."""
        ...

    def read(self, first: int, last: int) -> SourceRange:
        """Blocks ``first..last`` (both on the chain) with their decoded platform events."""
        ...


class ChainEventSource:
    """Events of a :class:`bois.chain_platform.ChainPlatform`, embedded or over JSON-RPC.

    ``mode``:

    * ``"auto"``: ``"pyevm"`` on the embedded chain, ``"rpc"`` on a :class:`bois.chain.RpcChain`;
    * ``"pyevm"``: blocks and receipts straight from py-evm (embedded chain only);
    * ``"rpc"``: raw JSON-RPC through ``chain.rpc.request`` (``eth_blockNumber``,
      ``eth_getBlockByNumber``, ``eth_getLogs`` with hex block numbers); any node;
    * ``"web3"``: ``eth_getLogs`` through ``chain.w3`` (the embedded chain's web3 over
      eth-tester; slow far from the head, kept as a cross-check of the other modes).

    ``ranges`` lists every (first, last) read, for tests and diagnostics.
    """

    MODES = ("auto", "pyevm", "rpc", "web3")

    def __init__(self, chain: Any, address: str, codec: Any, start_block: int = 0, mode: str = "auto") -> None:
        self.chain = chain
        self.address: str = str(to_checksum_address(address))
        self._address_bytes = bytes.fromhex(self.address[2:])
        self.codec = codec
        self.chain_id = int(chain.chain_id)
        self.start_block = int(start_block)
        backend: Any = getattr(chain, "backend", None)
        evm = getattr(backend, "chain", None)
        rpc: Any = getattr(chain, "rpc", None)
        has_rpc = callable(getattr(rpc, "request", None))
        if mode == "auto":
            mode = "pyevm" if evm is not None else "rpc" if has_rpc else "web3"
        if mode not in self.MODES:
            raise ValueError(f"unknown source mode {mode!r}; known: {', '.join(self.MODES)}")
        if mode == "pyevm" and evm is None:
            raise ValueError("mode 'pyevm' needs the embedded chain (eth-tester + py-evm)")
        if mode == "rpc" and not has_rpc:
            raise ValueError(f"mode 'rpc' needs a JSON-RPC chain with .rpc.request (bois.chain.RpcChain), not {type(chain).__name__}")
        if mode == "web3" and getattr(chain, "w3", None) is None:
            raise ValueError(
                f"mode 'web3' needs chain.w3 (the embedded chain has one); {type(chain).__name__} has none: use mode 'rpc'"
            )
        self.mode = mode
        self._backend: Any = backend
        self._rpc_client: Any = rpc
        self._fast = FastEventDecoder(codec)
        self.ranges: list[tuple[int, int]] = []

    @classmethod
    def of(cls, platform: Any, mode: str = "auto") -> "ChainEventSource":
        """The source for a ChainPlatform (its chain, contract, codec and deployment block)."""
        return cls(platform.chain, platform.address, platform.codec, platform.deployment.block, mode)

    def describe(self) -> str:
        """Where the events come from, for error messages."""
        describe = getattr(self.chain, "describe", None)
        return str(describe()) if callable(describe) else type(self.chain).__name__

    # ----- chain facts ------------------------------------------------------------------
    def head(self) -> int:
        if self.mode == "pyevm":
            return int(self._backend.chain.get_block().number) - 1  # the head block is the pending one
        if self.mode == "rpc":
            return _hex_int(self._rpc("eth_blockNumber"))
        return int(self.chain.w3.eth.block_number)

    def block_hash(self, number: int) -> bytes | None:
        if number < 0:
            return None
        if self.mode == "rpc":  # one request: the node answers null past its head
            header = self._header(number)
            return None if header is None else _hex_bytes(header["hash"])
        if number > self.head():
            return None
        if self.mode == "pyevm":
            return bytes(self._backend.chain.chaindb.get_canonical_block_header_by_number(number).hash)
        return bytes(self.chain.w3.eth.get_block(number)["hash"])

    # ----- reading ----------------------------------------------------------------------------
    def read(self, first: int, last: int) -> SourceRange:
        if first > last or first < 0:
            raise ValueError(f"bad block range {first}..{last}")
        self.ranges.append((first, last))
        if self.mode == "pyevm":
            return self._read_pyevm(first, last)
        if self.mode == "rpc":
            return self._read_rpc(first, last)
        return self._read_web3(first, last)

    def _decode(self, topics: Sequence[bytes], data: bytes) -> Event | None:
        return self._fast.decode(tuple(topics), data)

    def _read_pyevm(self, first: int, last: int) -> SourceRange:
        evm = self._backend.chain
        blocks: list[SourceBlock] = []
        parent_hash = b""
        last_hash, last_ts = b"", 0
        for n in range(first, last + 1):
            block = evm.get_canonical_block_by_number(n)
            header = block.header
            if n == first:
                parent_hash = bytes(header.parent_hash)
            if n == last:
                last_hash, last_ts = bytes(header.hash), int(header.timestamp)
            if not block.transactions:
                continue
            events: list[tuple[int, Event]] = []
            log_index = 0
            for receipt in block.get_receipts(evm.chaindb):
                for log in receipt.logs:
                    if bytes(log.address) == self._address_bytes:
                        topics = [t.to_bytes(32, "big") if isinstance(t, int) else bytes(t) for t in log.topics]
                        event = self._decode(topics, bytes(log.data))
                        if event is not None:
                            events.append((log_index, event))
                    log_index += 1
            if events:
                blocks.append(SourceBlock(n, bytes(header.hash), int(header.timestamp), tuple(events)))
        return SourceRange(first, last, parent_hash, last_hash, last_ts, tuple(blocks))

    # ----- JSON-RPC ---------------------------------------------------------------------------
    def _rpc(self, method: str, params: Sequence[Any] = ()) -> Any:
        """One request to the node (raises bois.chain.NodeUnreachable / RpcError naming its URL)."""
        return self._rpc_client.request(method, params)

    def _header(self, number: int) -> dict[str, Any] | None:
        header = self._rpc("eth_getBlockByNumber", [hex(number), False])
        if header is not None and not isinstance(header, dict):
            raise IndexCorruptError(f"{self.describe()} answered eth_getBlockByNumber({number}) with {header!r}")
        return header

    def _canonical_header(self, number: int) -> dict[str, Any]:
        header = self._header(number)
        if header is None:  # the head moved back between head() and this read
            raise IndexReorgError(number, None, None, f"{self.describe()} dropped it while the index was reading")
        return header

    def _read_rpc(self, first: int, last: int) -> SourceRange:
        first_header = self._canonical_header(first)
        last_header = first_header if last == first else self._canonical_header(last)
        logs = self._rpc("eth_getLogs", [{"address": self.address, "fromBlock": hex(first), "toBlock": hex(last)}])
        by_block: dict[int, list[dict[str, Any]]] = {}
        for log in logs or ():
            if log.get("removed"):
                continue
            if _hex_bytes(log["address"]) != self._address_bytes:
                continue  # a node that ignored the address filter
            n = _hex_int(log["blockNumber"])
            if not first <= n <= last:
                raise IndexCorruptError(f"{self.describe()} returned a log of block {n} for the range {first}..{last}")
            by_block.setdefault(n, []).append(log)
        blocks: list[SourceBlock] = []
        for n in sorted(by_block):
            items = sorted(by_block[n], key=lambda lg: _hex_int(lg["logIndex"]))
            header = first_header if n == first else last_header if n == last else self._canonical_header(n)
            block_hash = _hex_bytes(header["hash"])
            for lg in items:
                if _hex_bytes(lg["blockHash"]) != block_hash:  # the chain moved under our feet
                    raise IndexReorgError(n, block_hash, _hex_bytes(lg["blockHash"]), "logs and header disagree while reading")
            events: list[tuple[int, Event]] = []
            for lg in items:
                event = self._decode([_hex_bytes(t) for t in lg["topics"]], _hex_bytes(lg["data"]))
                if event is not None:
                    events.append((_hex_int(lg["logIndex"]), event))
            if events:
                blocks.append(SourceBlock(n, block_hash, _hex_int(header["timestamp"]), tuple(events)))
        return SourceRange(
            first,
            last,
            _hex_bytes(first_header["parentHash"]),
            _hex_bytes(last_header["hash"]),
            _hex_int(last_header["timestamp"]),
            tuple(blocks),
        )

    # ----- web3 (embedded chain) --------------------------------------------------------------
    def _read_web3(self, first: int, last: int) -> SourceRange:
        w3 = self.chain.w3
        first_block = w3.eth.get_block(first)
        last_block = first_block if last == first else w3.eth.get_block(last)
        logs = w3.eth.get_logs({"address": self.address, "fromBlock": first, "toBlock": last})
        by_block: dict[int, list[Any]] = {}
        for log in logs:
            if log.get("removed"):
                continue
            by_block.setdefault(int(log["blockNumber"]), []).append(log)
        blocks: list[SourceBlock] = []
        for n in sorted(by_block):
            items = sorted(by_block[n], key=lambda lg: int(lg["logIndex"]))
            header = first_block if n == first else last_block if n == last else w3.eth.get_block(n)
            block_hash = bytes(header["hash"])
            for lg in items:
                if bytes(lg["blockHash"]) != block_hash:  # the chain moved under our feet
                    raise IndexReorgError(n, block_hash, bytes(lg["blockHash"]), "logs and header disagree while reading")
            events = []
            for lg in items:
                event = self._decode([bytes(t) for t in lg["topics"]], bytes(lg["data"]))
                if event is not None:
                    events.append((int(lg["logIndex"]), event))
            if events:
                blocks.append(SourceBlock(n, block_hash, int(header["timestamp"]), tuple(events)))
        return SourceRange(
            first,
            last,
            bytes(first_block["parentHash"]),
            bytes(last_block["hash"]),
            int(last_block["timestamp"]),
            tuple(blocks),
        )


def _hex_int(value: Any) -> int:
    """A JSON-RPC quantity ("0x1a") as an int (ints pass through)."""
    return int(value, 16) if isinstance(value, str) else int(value)


def _hex_bytes(value: Any) -> bytes:
    """JSON-RPC data ("0x..") as bytes (bytes pass through)."""
    if isinstance(value, str):
        return bytes.fromhex(value[2:] if value.startswith(("0x", "0X")) else value)
    return bytes(value)


class FastEventDecoder:
    """``codec.decode_log`` with a fast path for events whose arguments are all static words.

    eth_abi's generic decoder costs ~0.5 ms per event and dominated the sync; the platform's
    hot events (OfferPosted, Agreement*) are plain 32-byte words, read here with
    ``int.from_bytes``. Events with a dynamic argument (FirmRegistered's name) fall back to
    the codec. The result is identical (a test compares both on a whole history).
    """

    _STATIC = ("uint", "int", "bool", "address")

    def __init__(self, codec: Any) -> None:
        self.codec = codec
        self.plans: dict[bytes, tuple[str, list[tuple[str, str, int]]]] = {}
        for topic, (name, fields) in codec.events.items():
            if not all(t.startswith(self._STATIC) and "[" not in t for _, t, _ in fields):
                continue
            plan = []
            n_topic = n_word = 0
            for arg, t, indexed in fields:
                if indexed:
                    n_topic += 1
                    plan.append((arg, t, -n_topic))  # negative: topic number
                else:
                    plan.append((arg, t, n_word))
                    n_word += 1
            self.plans[topic] = (name, plan)

    def decode(self, topics: tuple[bytes, ...], data: bytes) -> Event | None:
        plan = self.plans.get(topics[0]) if topics else None
        if plan is None:
            return self.codec.decode_log(topics, data)  # type: ignore[no-any-return]
        name, fields = plan
        args: dict[str, Any] = {}
        for arg, t, where in fields:
            word = topics[-where] if where < 0 else data[32 * where : 32 * where + 32]
            if t.startswith("uint"):
                args[arg] = int.from_bytes(word, "big")
            elif t.startswith("int"):
                args[arg] = int.from_bytes(word, "big", signed=True)
            elif t == "bool":
                args[arg] = word != bytes(32)
            else:
                args[arg] = to_checksum_address(word[12:])
        return Event(name, args)


# ----- value helpers ---------------------------------------------------------------------
def _i64(value: int) -> int:
    """A uint64 as SQLite's signed 64-bit INTEGER (two's complement; read back with _u64)."""
    return value - 2**64 if value > INT64_MAX else value


def _u64(value: int) -> int:
    return value + 2**64 if value < 0 else value


def _cap(value: int) -> int:
    """A non-negative value clamped into SQLite's INTEGER range (for coarse SQL filters only)."""
    return value if value <= INT64_MAX else INT64_MAX


_uint, _int = check_uint, check_int


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS firms (
    id INTEGER PRIMARY KEY, owner TEXT NOT NULL, name TEXT NOT NULL, sector INTEGER NOT NULL,
    x INTEGER NOT NULL, y INTEGER NOT NULL, supplies INTEGER NOT NULL, needs INTEGER NOT NULL,
    status INTEGER NOT NULL, live INTEGER NOT NULL, registered_block INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS offers (
    id INTEGER PRIMARY KEY, supplier_id INTEGER NOT NULL, form INTEGER NOT NULL, status INTEGER NOT NULL,
    auto_accept INTEGER NOT NULL, temperature INTEGER NOT NULL, valid_until INTEGER NOT NULL,
    price INTEGER NOT NULL, quantity INTEGER NOT NULL, reserved INTEGER NOT NULL,
    remaining_cap INTEGER NOT NULL, posted_block INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS offers_search ON offers (form, status, id);
CREATE INDEX IF NOT EXISTS offers_supplier ON offers (supplier_id);
CREATE TABLE IF NOT EXISTS agreements (
    id INTEGER PRIMARY KEY, offer_id INTEGER NOT NULL, supplier_id INTEGER NOT NULL,
    consumer_id INTEGER NOT NULL, quantity INTEGER NOT NULL, price INTEGER NOT NULL,
    duration INTEGER NOT NULL, state INTEGER NOT NULL, started_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL, delivered TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS agreements_offer ON agreements (offer_id);
CREATE TABLE IF NOT EXISTS blocks (
    number INTEGER PRIMARY KEY, hash BLOB NOT NULL, timestamp INTEGER NOT NULL, events INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS undo (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, block INTEGER NOT NULL, tbl TEXT NOT NULL,
    key INTEGER NOT NULL, row TEXT
);
CREATE INDEX IF NOT EXISTS undo_block ON undo (block);
"""
_TABLES = ("firms", "offers", "agreements")


@dataclass(frozen=True)
class SyncResult:
    """What one :meth:`OfferIndex.sync` did."""

    first_block: int  # first block read (last_block + 1 when nothing was read)
    last_block: int  # the block the index now stands at
    ranges: int  # block ranges read (one SQLite transaction each)
    events: int  # events applied
    rolled_back_to: int | None = None  # the block a rollback returned to, if any


class OfferIndex:
    """Platform events followed into SQLite, answering offer searches.

    ``db_path``: the SQLite file (created if missing; WAL mode). ``source``: an
    :class:`EventSource`. ``start_block``: first block to read on a new file (default:
    the source's deployment block). ``batch_blocks``: blocks per read and per transaction.
    ``confirmations``: stay this many blocks behind the head (0 on a test chain).
    ``reorg_depth``: how many blocks back the undo log reaches (``on_reorg="rollback"``).
    """

    def __init__(
        self,
        db_path: str | Path,
        source: EventSource,
        start_block: int | None = None,
        batch_blocks: int = 500,
        confirmations: int = 0,
        on_reorg: str = "raise",
        reorg_depth: int = 10_000,
    ) -> None:
        if batch_blocks < 1:
            raise ValueError(f"batch_blocks must be >= 1, got {batch_blocks}")
        if on_reorg not in ("raise", "rollback", "rebuild"):
            raise ValueError(f"on_reorg must be 'raise', 'rollback' or 'rebuild', got {on_reorg!r}")
        self.path = str(db_path)
        self.source = source
        self.batch_blocks = batch_blocks
        self.confirmations = confirmations
        self.on_reorg = on_reorg
        self.reorg_depth = reorg_depth
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=OFF")
        self.db.executescript(_SCHEMA)
        self._open_meta(start_block)

    # ----- meta -----------------------------------------------------------------------------
    def _meta(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, value FROM meta").fetchall())

    def _open_meta(self, start_block: int | None) -> None:
        meta = self._meta()
        chain_id, address = str(self.source.chain_id), self.source.address
        if meta:
            if meta.get("schema") != str(SCHEMA_VERSION):
                raise IndexMismatchError(f"{self.path}: index schema {meta.get('schema')}, this code reads {SCHEMA_VERSION}")
            if meta["chain_id"] != chain_id or meta["contract"].lower() != address.lower():
                raise IndexMismatchError(
                    f"{self.path} indexes contract {meta['contract']} on chain {meta['chain_id']}, "
                    f"not contract {address} on chain {chain_id}: use another file"
                )
            if start_block is not None and int(meta["start_block"]) != start_block:
                raise IndexMismatchError(
                    f"{self.path} was started at block {meta['start_block']}, not {start_block}"
                )
            return
        start = self.source.start_block if start_block is None else int(start_block)
        parent = self.source.block_hash(start - 1) if start > 0 else None
        with self._transaction():
            self._write_meta(
                schema=str(SCHEMA_VERSION),
                chain_id=chain_id,
                contract=address,
                start_block=str(start),
                last_block=str(start - 1),
                last_hash=parent.hex() if parent else "",
                last_timestamp="0",
                events="0",
            )
            self._record_start(start, parent)

    def _record_start(self, start: int, parent: bytes | None) -> None:
        """The state before the start block (empty) is a rollback target while the undo log reaches it."""
        if start > 0 and parent is not None:
            self.db.execute("INSERT OR REPLACE INTO blocks VALUES (?, ?, 0, 0)", (start - 1, parent))

    def _write_meta(self, **values: str) -> None:
        self.db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", list(values.items()))

    @property
    def chain_id(self) -> int:
        return int(self._meta()["chain_id"])

    @property
    def contract(self) -> str:
        return self._meta()["contract"]

    @property
    def start_block(self) -> int:
        return int(self._meta()["start_block"])

    @property
    def last_block(self) -> int:
        """The last block applied (start_block - 1 before the first sync)."""
        return int(self._meta()["last_block"])

    @property
    def last_hash(self) -> bytes | None:
        h = self._meta()["last_hash"]
        return bytes.fromhex(h) if h else None

    @property
    def last_timestamp(self) -> int:
        """Timestamp of the last block applied: the default ``now`` of the queries."""
        return int(self._meta()["last_timestamp"])

    @property
    def events_applied(self) -> int:
        return int(self._meta()["events"])

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "OfferIndex":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ----- transactions -------------------------------------------------------------------------
    class _Tx:
        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db

        def __enter__(self) -> None:
            self.db.execute("BEGIN IMMEDIATE")

        def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
            if exc_type is None:
                self.db.execute("COMMIT")
            else:
                self.db.execute("ROLLBACK")

    def _transaction(self) -> "OfferIndex._Tx":
        return OfferIndex._Tx(self.db)

    # ----- sync -----------------------------------------------------------------------------------
    _reading: tuple[int, int] | None = None  # the range being read (for error messages)

    def sync(self, to_block: int | None = None, on_reorg: str | None = None) -> SyncResult:
        """Read and apply the blocks after :attr:`last_block` up to the head (or ``to_block``).

        Each range of ``batch_blocks`` is read first, then applied in one transaction. When
        the node stops answering, :class:`bois.chain.NodeUnreachable` is raised (naming the
        node, the range being read and the block the file stays at) and the file holds
        exactly the ranges applied before: call ``sync`` again once the node is back.
        """
        self._reading = None
        try:
            return self._sync(to_block, on_reorg or self.on_reorg)
        except NodeUnreachable as exc:
            reading = self._reading
            where = "while checking the chain" if reading is None else f"while reading blocks {reading[0]}..{reading[1]}"
            raise NodeUnreachable(
                f"{exc} [index {self.path}: {where}; the file stays at block {self.last_block} "
                f"with {self.events_applied} events applied; sync again to resume]"
            ) from exc

    def _sync(self, to_block: int | None, mode: str) -> SyncResult:
        rolled: int | None = None
        last = self.last_block
        stored = self.last_hash
        if last >= 0 and stored is not None:
            on_chain = self.source.block_hash(last)
            if on_chain != stored:
                rolled = self._handle_reorg(IndexReorgError(last, stored, on_chain), mode)
        head = self.source.head() - self.confirmations
        target = head if to_block is None else min(head, to_block)
        first = self.last_block + 1
        ranges = events = 0
        while self.last_block < target:
            a = self.last_block + 1
            b = min(target, a + self.batch_blocks - 1)
            self._reading = (a, b)
            got = self.source.read(a, b)
            self._reading = None
            expected = self.last_hash
            if expected is not None and got.parent_hash != expected:
                err = IndexReorgError(a - 1, expected, got.parent_hash, f"block {a} does not continue it")
                rolled = self._handle_reorg(err, mode)
                continue
            events += self._apply_range(got, undo=b > head - self.reorg_depth)
            ranges += 1
        return SyncResult(first, self.last_block, ranges, events, rolled)

    def _apply_range(self, got: SourceRange, undo: bool) -> int:
        """Apply one range in one transaction (all of it, with the new last block, or nothing).

        With ``undo`` every changed row's previous image is logged per block, and the
        blocks with events plus the range's last block are recorded as rollback targets.
        """
        n = 0
        with self._transaction():
            if not undo:  # the log cannot reach back across this range any more
                self.db.execute("DELETE FROM undo")
                self.db.execute("DELETE FROM blocks")
            self._undo = undo
            for block in got.blocks:
                self._block = block
                for _, event in block.events:
                    self._apply(event)
                n += len(block.events)
                if undo:
                    self.db.execute(
                        "INSERT OR REPLACE INTO blocks VALUES (?, ?, ?, ?)",
                        (block.number, block.hash, block.timestamp, len(block.events)),
                    )
            if undo:
                self.db.execute(
                    "INSERT OR IGNORE INTO blocks VALUES (?, ?, ?, 0)", (got.last, got.last_hash, got.last_timestamp)
                )
                floor = got.last - self.reorg_depth
                self.db.execute("DELETE FROM undo WHERE block <= ?", (floor,))
                self.db.execute("DELETE FROM blocks WHERE number < ?", (floor,))
            self._write_meta(
                last_block=str(got.last),
                last_hash=got.last_hash.hex(),
                last_timestamp=str(got.last_timestamp),
                events=str(self.events_applied + n),
            )
        return n

    # ----- reorgs -------------------------------------------------------------------------------
    def _handle_reorg(self, err: IndexReorgError, mode: str) -> int:
        if mode == "raise":
            raise err
        if mode == "rollback":
            target = self._fork_point()
            if target is None:
                raise IndexReorgError(
                    err.block,
                    err.stored_hash,
                    err.chain_hash,
                    f"no block in the undo log (last {self.reorg_depth} blocks) is still on the chain; "
                    "rebuild() or on_reorg='rebuild'",
                ) from err
            self.rollback_to(target)
            return target
        self.rebuild()
        return self.start_block - 1

    def _fork_point(self) -> int | None:
        """The newest recorded block the chain still has with the same hash (state known there)."""
        for number, h in self.db.execute("SELECT number, hash FROM blocks ORDER BY number DESC").fetchall():
            if self.source.block_hash(number) == bytes(h):
                return int(number)
        return None

    def rollback_to(self, block: int) -> None:
        """Undo every block after ``block``, a block recorded in the undo log (see :meth:`_fork_point`)."""
        with self._transaction():
            target = self.db.execute("SELECT hash, timestamp FROM blocks WHERE number = ?", (block,)).fetchone()
            if target is None:
                raise IndexReorgError(block, None, None, "not a block the undo log can return to")
            rows = self.db.execute(
                "SELECT tbl, key, row FROM undo WHERE block > ? ORDER BY seq DESC", (block,)
            ).fetchall()
            for tbl, key, row in rows:
                if tbl not in _TABLES:
                    raise IndexCorruptError(f"undo log names unknown table {tbl!r}")
                self.db.execute(f"DELETE FROM {tbl} WHERE id = ?", (key,))
                if row is not None:
                    values = json.loads(row)
                    self.db.execute(f"INSERT INTO {tbl} VALUES ({','.join('?' * len(values))})", values)
            undone = self.db.execute("SELECT COALESCE(SUM(events), 0) FROM blocks WHERE number > ?", (block,)).fetchone()[0]
            self.db.execute("DELETE FROM undo WHERE block > ?", (block,))
            self.db.execute("DELETE FROM blocks WHERE number > ?", (block,))
            self._write_meta(
                last_block=str(block),
                last_hash=bytes(target[0]).hex(),
                last_timestamp=str(target[1]),
                events=str(self.events_applied - int(undone)),
            )

    def rebuild(self) -> None:
        """Forget everything and start again from the start block (next :meth:`sync` re-reads)."""
        start = self.start_block
        parent = self.source.block_hash(start - 1) if start > 0 else None
        with self._transaction():
            for t in (*_TABLES, "blocks", "undo"):
                self.db.execute(f"DELETE FROM {t}")
            self._write_meta(
                last_block=str(start - 1), last_hash=parent.hex() if parent else "", last_timestamp="0", events="0"
            )
            self._record_start(start, parent)

    # ----- applying events ------------------------------------------------------------------
    _block: SourceBlock
    _undo: bool = False

    def _save(self, tbl: str, key: int) -> None:
        """Remember the row's current image (None when absent) for a rollback of this block."""
        if not self._undo:
            return
        row = self.db.execute(f"SELECT * FROM {tbl} WHERE id = ?", (key,)).fetchone()
        self.db.execute(
            "INSERT INTO undo (block, tbl, key, row) VALUES (?, ?, ?, ?)",
            (self._block.number, tbl, key, None if row is None else json.dumps(list(row))),
        )

    def _row(self, tbl: str, key: int, what: str) -> sqlite3.Row | tuple[Any, ...]:
        row = self.db.execute(f"SELECT * FROM {tbl} WHERE id = ?", (key,)).fetchone()
        if row is None:
            raise IndexCorruptError(f"block {self._block.number}: {what} {key} is not in the index (missed blocks?)")
        return row  # type: ignore[no-any-return]

    def _apply(self, e: Event) -> None:
        handler = self._HANDLERS.get(e.name)
        if handler is not None:
            handler(self, e.args)

    def _firm_registered(self, a: dict[str, Any]) -> None:
        fid = int(a["firmId"])
        self._save("firms", fid)
        self.db.execute(
            "INSERT INTO firms VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (fid, a["owner"], a["name"], a["sector"], a["x"], a["y"], a["supplies"], a["needs"],
             int(FirmStatus.OPERATING), 0, self._block.number),
        )

    def _firm_status(self, a: dict[str, Any]) -> None:
        fid = int(a["firmId"])
        self._row("firms", fid, "firm")
        self._save("firms", fid)
        self.db.execute("UPDATE firms SET status = ? WHERE id = ?", (int(a["status"]), fid))

    def _firm_left(self, a: dict[str, Any]) -> None:
        fid = int(a["firmId"])
        self._row("firms", fid, "firm")
        self._save("firms", fid)
        self.db.execute("UPDATE firms SET status = ?, live = 0 WHERE id = ?", (int(FirmStatus.LEFT), fid))

    def _offer_posted(self, a: dict[str, Any]) -> None:
        oid = int(a["offerId"])
        self._save("offers", oid)
        q = int(a["quantity"])
        self.db.execute(
            "INSERT INTO offers VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (oid, a["supplierId"], a["form"], int(OfferStatus.OPEN), int(bool(a["autoAccept"])), a["temperature"],
             a["validUntil"], a["price"], _i64(q), 0, _cap(q), self._block.number),
        )

    def _offer_updated(self, a: dict[str, Any]) -> None:
        oid = int(a["offerId"])
        row = self._row("offers", oid, "offer")
        reserved = _u64(row[9])
        q = int(a["quantity"])
        self._save("offers", oid)
        self.db.execute(
            "UPDATE offers SET quantity = ?, temperature = ?, price = ?, valid_until = ?, remaining_cap = ? WHERE id = ?",
            (_i64(q), a["temperature"], a["price"], a["validUntil"], _cap(q - reserved), oid),
        )

    def _offer_withdrawn(self, a: dict[str, Any]) -> None:
        oid = int(a["offerId"])
        self._row("offers", oid, "offer")
        self._save("offers", oid)
        self.db.execute("UPDATE offers SET status = ? WHERE id = ?", (int(OfferStatus.WITHDRAWN), oid))

    def _set_reserved(self, oid: int, reserved: int) -> None:
        row = self._row("offers", oid, "offer")
        q = _u64(row[8])
        if reserved > q:
            raise IndexCorruptError(f"block {self._block.number}: offer {oid} would reserve {reserved} > quantity {q}")
        self._save("offers", oid)
        self.db.execute(
            "UPDATE offers SET reserved = ?, remaining_cap = ? WHERE id = ?", (_i64(reserved), _cap(q - reserved), oid)
        )

    def _add_live(self, firm_ids: Iterable[int], delta: int) -> None:
        for fid in firm_ids:
            self._save("firms", fid)
            # a firm that left has 0 (it cannot leave with live agreements)
            self.db.execute("UPDATE firms SET live = MAX(live + ?, 0) WHERE id = ? AND status != ?", (delta, fid, int(FirmStatus.LEFT)))

    def _agreement_proposed(self, a: dict[str, Any]) -> None:
        aid, oid = int(a["agreementId"]), int(a["offerId"])
        offer = self._row("offers", oid, "offer")
        self._save("agreements", aid)
        self.db.execute(
            "INSERT INTO agreements VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (aid, oid, offer[1], a["consumerId"], _i64(int(a["quantity"])), offer[7], a["duration"], _PROPOSED, 0, 0, "0"),
        )

    def _agreement_accepted(self, a: dict[str, Any]) -> None:
        aid, oid = int(a["agreementId"]), int(a["offerId"])
        ag = self._row("agreements", aid, "agreement")
        offer = self._row("offers", oid, "offer")
        qty = _u64(ag[4])
        expected = _u64(offer[9]) + qty
        if int(a["reserved"]) != expected:
            raise IndexCorruptError(
                f"block {self._block.number}: agreement {aid} accepted with reserved {a['reserved']} on offer {oid}, "
                f"the index expects {expected}"
            )
        started = self._block.timestamp
        self._save("agreements", aid)
        self.db.execute(
            "UPDATE agreements SET state = ?, started_at = ?, ends_at = ? WHERE id = ?",
            (_ACTIVE, started, started + int(ag[6]), aid),
        )
        self._set_reserved(oid, expected)
        self._add_live((int(ag[2]), int(ag[3])), +1)

    def _agreement_rejected(self, a: dict[str, Any]) -> None:
        aid = int(a["agreementId"])
        self._row("agreements", aid, "agreement")
        self._save("agreements", aid)
        self.db.execute("UPDATE agreements SET state = ? WHERE id = ?", (_REJECTED, aid))

    def _release(self, aid: int, state: int) -> None:
        ag = self._row("agreements", aid, "agreement")
        if int(ag[7]) == _ACTIVE:
            oid = int(ag[1])
            offer = self._row("offers", oid, "offer")
            reserved = _u64(offer[9]) - _u64(ag[4])
            if reserved < 0:
                raise IndexCorruptError(f"block {self._block.number}: releasing agreement {aid} leaves offer {oid} negative")
            self._set_reserved(oid, reserved)
            self._add_live((int(ag[2]), int(ag[3])), -1)
        self._save("agreements", aid)
        self.db.execute("UPDATE agreements SET state = ? WHERE id = ?", (state, aid))

    def _agreement_terminated(self, a: dict[str, Any]) -> None:
        self._release(int(a["agreementId"]), _TERMINATED)

    def _agreement_closed(self, a: dict[str, Any]) -> None:
        self._release(int(a["agreementId"]), _CLOSED)

    def _delivery(self, a: dict[str, Any]) -> None:
        aid = int(a["agreementId"])
        self._row("agreements", aid, "agreement")
        self._save("agreements", aid)
        self.db.execute("UPDATE agreements SET delivered = ? WHERE id = ?", (str(int(a["delivered"])), aid))

    _HANDLERS: dict[str, Callable[["OfferIndex", dict[str, Any]], None]] = {
        "FirmRegistered": _firm_registered,
        "FirmStatusReported": _firm_status,
        "FirmLeft": _firm_left,
        "OfferPosted": _offer_posted,
        "OfferUpdated": _offer_updated,
        "OfferWithdrawn": _offer_withdrawn,
        "AgreementProposed": _agreement_proposed,
        "AgreementAccepted": _agreement_accepted,
        "AgreementRejected": _agreement_rejected,
        "AgreementTerminated": _agreement_terminated,
        "AgreementClosed": _agreement_closed,
        "DeliveryRecorded": _delivery,
    }

    # ----- reads ------------------------------------------------------------------------------------
    def _now(self, now: int | None) -> int:
        return self.last_timestamp if now is None else int(now)

    def firm_count(self) -> int:
        return int(self.db.execute("SELECT COALESCE(MAX(id), 0) FROM firms").fetchone()[0])

    def offer_count(self) -> int:
        return int(self.db.execute("SELECT COALESCE(MAX(id), 0) FROM offers").fetchone()[0])

    def agreement_count(self) -> int:
        return int(self.db.execute("SELECT COALESCE(MAX(id), 0) FROM agreements").fetchone()[0])

    def firm(self, firm_id: int) -> Firm:
        row = self.db.execute("SELECT * FROM firms WHERE id = ?", (_cap(_uint("firm_id", firm_id, UINT256)),)).fetchone()
        if row is None:
            raise errors.FirmUnknown(firm_id)
        fid, owner, name, sector, x, y, supplies, needs, status, live, _ = row
        return Firm(fid, owner, name, sector, x, y, mask_to_forms(supplies), mask_to_forms(needs), FirmStatus(status), live)

    def offer(self, offer_id: int) -> Offer:
        row = self.db.execute("SELECT * FROM offers WHERE id = ?", (_cap(_uint("offer_id", offer_id, UINT256)),)).fetchone()
        if row is None:
            raise errors.OfferUnknown(offer_id)
        return _offer_of(row)

    def agreement(self, agreement_id: int, now: int | None = None) -> Agreement:
        """The agreement with its effective state at ``now`` (default: the last indexed block's time)."""
        row = self.db.execute(
            "SELECT a.*, f.status FROM agreements a JOIN firms f ON f.id = a.supplier_id WHERE a.id = ?",
            (_cap(_uint("agreement_id", agreement_id, UINT256)),),
        ).fetchone()
        if row is None:
            raise errors.AgreementUnknown(agreement_id)
        aid, oid, sid, cid, qty, price, duration, state, started, ends, delivered, supplier_status = row
        return Agreement(
            aid, oid, sid, cid, _u64(qty), price,
            effective_state(state, ends, supplier_status, self._now(now)),
            started, ends, duration, int(delivered),
        )

    def search_offers(
        self, query: OfferQuery, cursor: int = 0, limit: int = DEFAULT_SEARCH_LIMIT, now: int | None = None
    ) -> SearchPage:
        """One page of matching offers in ascending id: the lens's ``search`` at time ``now``.

        ``now`` defaults to the timestamp of the last indexed block (what the views see
        when the index is synced to the head).
        """
        form, min_q, min_t, max_d, qx, qy = _check_query(query)
        cursor = _uint("cursor", cursor, UINT256)
        limit = min(max(_uint("limit", limit, UINT256), 1), MAX_SEARCH_LIMIT)
        count = self.offer_count()
        start = max(cursor, 1)
        if start > count:
            return SearchPage([], 0)
        matches: list[OfferMatch] = []
        for row, distance in self._scan(form, min_q, min_t, max_d, qx, qy, start, self._now(now)):
            matches.append(OfferMatch(_offer_of(row), distance))
            if len(matches) == limit:
                nxt = int(row[0]) + 1
                return SearchPage(matches, nxt if nxt <= count else 0)
        return SearchPage(matches, 0)

    def _scan(
        self, form: int, min_q: int, min_t: int, max_d: int, qx: int, qy: int, start: int, now: int
    ) -> Iterator[tuple[tuple[Any, ...], int]]:
        """Matching offer rows (offers columns + supplier x, y) in id order, with their distance.

        SQL narrows by the index (form, status, id), validity, supplier status,
        temperature, a capped remaining quantity and a bounding box; the exact
        uint64 remaining and squared-distance checks are done here in Python.
        """
        sql = (
            "SELECT o.*, f.x, f.y FROM offers o CROSS JOIN firms f ON f.id = o.supplier_id "
            "WHERE o.form = ? AND o.status = 1 AND o.id >= ? AND o.valid_until > ? "
            "AND f.status IN (1, 3) AND o.remaining_cap >= ? AND o.temperature >= ?"
        )
        params: list[Any] = [form, _cap(start), _cap(now), _cap(min_q), min_t]
        if 0 < max_d < 2**33:
            sql += " AND f.x BETWEEN ? AND ? AND f.y BETWEEN ? AND ?"
            params += [qx - max_d, qx + max_d, qy - max_d, qy + max_d]
        sql += " ORDER BY o.id"
        max_sq = max_d * max_d
        for row in self.db.execute(sql, params):
            if _u64(row[8]) - _u64(row[9]) < min_q:
                continue
            dx, dy = row[12] - qx, row[13] - qy
            sq = dx * dx + dy * dy
            if max_d and sq > max_sq:
                continue
            yield row, math.isqrt(sq)

    def search_all(self, query: OfferQuery, now: int | None = None) -> list[OfferMatch]:
        """Every match in id order (what :func:`bois.platform.search_all` collects), in one pass."""
        form, min_q, min_t, max_d, qx, qy = _check_query(query)
        return [OfferMatch(_offer_of(r), d) for r, d in self._scan(form, min_q, min_t, max_d, qx, qy, 1, self._now(now))]

    def ranked(
        self,
        query: OfferQuery,
        now: int | None = None,
        limit: int | None = None,
        transport_cost: float = 0.0,
        exclude_suppliers: Iterable[int] = (),
    ) -> list[OfferMatch]:
        """Every match ranked by delivered cost, cheapest first.

        Delivered cost = ``offer.price + transport_cost * distance_m`` (price in
        euro-cents per MWh, ``transport_cost`` in euro-cents per MWh per metre; the
        simulation's EUR/MWh/km figure x 0.1). Ties go to the nearer offer, then to the
        lower offer id, so the order is total and reproducible. With the default
        ``transport_cost`` 0 this is price, then distance. ``limit`` keeps the first n;
        ``exclude_suppliers`` drops offers of those firm ids (e.g. the searcher's own).
        """
        excluded = set(exclude_suppliers)
        matches = [m for m in self.search_all(query, now) if m.offer.supplier_id not in excluded]
        matches.sort(key=lambda m: (m.offer.price + transport_cost * m.distance_m, m.distance_m, m.offer.offer_id))
        return matches if limit is None else matches[:limit]


def effective_state(stored: int, ends_at: int, supplier_status: int, now: int) -> AgreementState:
    """An agreement's effective state, as the contract's view derives it (docs/platform.md)."""
    if stored == _ACTIVE:
        if now >= ends_at:
            return AgreementState.EXPIRED
        if supplier_status == int(FirmStatus.DISRUPTED):
            return AgreementState.SUSPENDED
    return AgreementState(stored)


def _check_query(query: OfferQuery) -> tuple[int, int, int, int, int, int]:
    form = _uint("form", query.form, UINT8)
    min_q = _uint("min_quantity", query.min_quantity, UINT64)
    min_t = _int("min_temperature_c", query.min_temperature_c, INT16)
    max_d = _uint("max_distance_m", query.max_distance_m, UINT64)
    qx = _int("x_m", query.x_m, INT32)
    qy = _int("y_m", query.y_m, INT32)
    if form >= N_FORMS:
        raise errors.UnknownEnergyForm(form)
    return form, min_q, min_t, max_d, qx, qy


def _offer_of(row: Sequence[Any]) -> Offer:
    return Offer(
        offer_id=int(row[0]),
        supplier_id=int(row[1]),
        form=EnergyForm(int(row[2])),
        quantity=_u64(row[8]),
        reserved=_u64(row[9]),
        temperature_c=int(row[5]),
        price=int(row[7]),
        valid_until=int(row[6]),
        auto_accept=bool(row[4]),
        status=OfferStatus(int(row[3])),
    )


class IndexedSearch:
    """A platform whose ``search_offers`` answers from an :class:`OfferIndex`.

    Every other attribute is the wrapped platform's, so it can stand wherever the platform
    does (``search_all(IndexedSearch(p, index), query)``, or a strategy's platform). Each
    search first syncs the index (cheap when nothing is new; reorgs and ``revert`` are
    rolled back through the undo log) and evaluates validity at ``platform.now()``.
    """

    def __init__(self, platform: Any, index: OfferIndex) -> None:
        self.platform = platform
        self.index = index

    @classmethod
    def open(cls, platform: Any, db_path: str | Path, **kwargs: Any) -> "IndexedSearch":
        """Wrap a ChainPlatform with an index in ``db_path`` (rolling back on reverts)."""
        kwargs.setdefault("on_reorg", "rollback")
        return cls(platform, OfferIndex(db_path, ChainEventSource.of(platform), **kwargs))

    def search_offers(self, query: OfferQuery, cursor: int = 0, limit: int = DEFAULT_SEARCH_LIMIT) -> SearchPage:
        try:
            self.index.sync(on_reorg="rollback")
        except IndexReorgError:  # older than the undo log: read everything again
            self.index.sync(on_reorg="rebuild")
        return self.index.search_offers(query, cursor, limit, now=self.platform.now())

    def __getattr__(self, name: str) -> Any:
        return getattr(self.platform, name)


_ATTACHED: "weakref.WeakKeyDictionary[Any, IndexedSearch]" = weakref.WeakKeyDictionary()


def indexed(platform: Any, db_path: str | Path | None = None) -> Any:
    """The platform's :class:`IndexedSearch` (made once per platform), or the platform itself
    when it is not a chain (the in-memory platform already searches in memory).

    Without ``db_path`` the index lives in a temporary directory removed with the platform.
    The undo log reaches back 1,000,000 blocks so that a simulation's ``revert`` to the
    snapshot taken after its setup is rolled back, not re-read.
    """
    if not (hasattr(platform, "chain") and hasattr(platform, "codec") and hasattr(platform, "deployment")):
        return platform
    found = _ATTACHED.get(platform)
    if found is None:
        if db_path is None:
            tmp = tempfile.mkdtemp(prefix="bois-index-")
            db_path = os.path.join(tmp, "offers.sqlite")
            found = IndexedSearch.open(platform, db_path, reorg_depth=1_000_000)
            weakref.finalize(platform, _discard, found.index, tmp)
        else:
            found = IndexedSearch.open(platform, db_path, reorg_depth=1_000_000)
        _ATTACHED[platform] = found
    return found


def _discard(index: OfferIndex, directory: str) -> None:
    index.close()
    shutil.rmtree(directory, ignore_errors=True)


__all__ = [
    "indexed",
    "ChainEventSource",
    "EventSource",
    "FastEventDecoder",
    "IndexCorruptError",
    "IndexMismatchError",
    "IndexReorgError",
    "IndexedSearch",
    "OfferIndex",
    "SourceBlock",
    "SourceRange",
    "SyncResult",
    "effective_state",
]
