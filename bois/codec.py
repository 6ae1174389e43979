"""ABI encoding/decoding for the platform contracts, straight on eth-abi (fast, no web3 contract objects).

* functions: ``encode_call(name, *args)``, ``decode_output(name, data)``;
* events: ``decode_log(topics, data) -> Event`` keyed by the Solidity argument names;
* errors: ``decode_error(data) -> ContractError`` (a :mod:`bois.errors` class), never raw hex.
"""

from __future__ import annotations

from typing import Any

from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address

from .errors import ChainError, ContractError, make_error
from .platform import Event

PANIC_SELECTOR = bytes.fromhex("4e487b71")
ERROR_STRING_SELECTOR = bytes.fromhex("08c379a0")
PANIC_CODES = {
    0x01: "assertion failed",
    0x11: "arithmetic overflow or underflow",
    0x12: "division by zero",
    0x21: "invalid enum value",
    0x32: "array index out of bounds",
    0x41: "out of memory",
}


def abi_type(param: dict[str, Any]) -> str:
    """Canonical type string of an ABI parameter (tuples expanded)."""
    t = str(param["type"])
    if t.startswith("tuple"):
        inner = ",".join(abi_type(c) for c in param["components"])
        return f"({inner}){t[5:]}"
    return t


def signature(item: dict[str, Any]) -> str:
    return f"{item['name']}({','.join(abi_type(p) for p in item.get('inputs', []))})"


class PanicError(ChainError):
    """The contract hit a Solidity panic (a bug or an impossible overflow), not a rule of the platform."""

    def __init__(self, code: int) -> None:
        self.code = code
        super().__init__(f"Panic(0x{code:02x}): {PANIC_CODES.get(code, 'unknown panic')}")


class Codec:
    """Encoder/decoder for one or more ABIs (errors and events are merged)."""

    def __init__(self, *abis: list[dict[str, Any]]) -> None:
        self.functions: dict[str, tuple[bytes, list[str], list[str]]] = {}
        self.events: dict[bytes, tuple[str, list[tuple[str, str, bool]]]] = {}
        self.errors: dict[bytes, tuple[str, list[str]]] = {}
        for abi in abis:
            for item in abi:
                kind = item.get("type")
                if kind == "function":
                    selector = keccak(text=signature(item))[:4]
                    ins = [abi_type(p) for p in item["inputs"]]
                    outs = [abi_type(p) for p in item["outputs"]]
                    self.functions.setdefault(item["name"], (selector, ins, outs))
                elif kind == "event":
                    topic = keccak(text=signature(item))
                    fields = [(p["name"], abi_type(p), bool(p["indexed"])) for p in item["inputs"]]
                    self.events[topic] = (item["name"], fields)
                elif kind == "error":
                    self.errors[keccak(text=signature(item))[:4]] = (
                        item["name"],
                        [abi_type(p) for p in item["inputs"]],
                    )

    # ----- functions -----------------------------------------------------------------
    def encode_call(self, name: str, *args: Any) -> bytes:
        selector, ins, _ = self.functions[name]
        return selector + encode(ins, list(args))

    def decode_output(self, name: str, data: bytes) -> tuple[Any, ...]:
        types = self.functions[name][2]
        return tuple(_normalize(v, t) for v, t in zip(decode(types, data), types))

    # ----- events ---------------------------------------------------------------------
    def decode_log(self, topics: tuple[bytes, ...], data: bytes) -> Event | None:
        """The decoded event, or None for a log this ABI does not know."""
        if not topics or topics[0] not in self.events:
            return None
        name, fields = self.events[topics[0]]
        indexed = [(n, t) for n, t, i in fields if i]
        plain = [(n, t) for n, t, i in fields if not i]
        values: dict[str, Any] = {}
        for (n, t), topic in zip(indexed, topics[1:]):
            values[n] = decode([t], topic)[0]
        if plain:
            for (n, t), v in zip(plain, decode([t for _, t in plain], data)):
                values[n] = v
        args = {n: _normalize(values[n], t) for n, t, _ in fields}
        return Event(name, args)

    # ----- errors ---------------------------------------------------------------------
    def decode_error(self, data: bytes) -> Exception:
        """Turn revert data into the matching :mod:`bois.errors` exception (or a ChainError)."""
        if len(data) < 4:
            return ChainError("the transaction reverted without a reason (out of gas or a failed check)")
        selector, body = data[:4], data[4:]
        if selector == PANIC_SELECTOR:
            return PanicError(int(decode(["uint256"], body)[0]))
        if selector == ERROR_STRING_SELECTOR:
            return ChainError(f"reverted: {decode(['string'], body)[0]}")
        if selector not in self.errors:
            return ChainError(f"reverted with an error unknown to the ABI: 0x{data.hex()}")
        name, types = self.errors[selector]
        values = [_normalize(v, t) for v, t in zip(decode(types, body), types)]
        try:
            err: ContractError = make_error(name, *values)
        except KeyError:
            return ChainError(f"reverted with {name}{tuple(values)} (no Python class in bois.errors)")
        return err


def _normalize(value: Any, abi_t: str) -> Any:
    if abi_t == "address":
        return to_checksum_address(value)
    return value
