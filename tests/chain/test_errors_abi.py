"""bois.errors.ERROR_SPECS and the compiled contracts' custom errors cannot drift apart."""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_utils import keccak

from bois import errors
from bois.codec import Codec, PanicError, abi_type
from bois.compiler import load_artifact


def _abi_errors() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    out: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for name in ("BoisPlatform", "OfferSearch"):
        for item in load_artifact(name).abi:
            if item["type"] == "error":
                types = tuple(abi_type(p) for p in item["inputs"])
                names = tuple(p["name"] for p in item["inputs"])
                assert out.get(item["name"], (types, names)) == (types, names)
                out[item["name"]] = (types, names)
    return out


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def test_every_contract_error_has_a_python_class_with_the_same_types() -> None:
    abi = _abi_errors()
    assert set(abi) == set(errors.ERROR_SPECS), (
        f"only in ABI: {sorted(set(abi) - set(errors.ERROR_SPECS))}; "
        f"only in ERROR_SPECS: {sorted(set(errors.ERROR_SPECS) - set(abi))}"
    )
    for name, (types, arg_names) in abi.items():
        spec_types, spec_fields = errors.ERROR_SPECS[name]
        assert spec_types == types, f"{name}: ABI types {types} != ERROR_SPECS {spec_types}"
        assert len(spec_fields) == len(arg_names)
        # same argument order: the Python field is the snake_case Solidity name (neededRole -> needed_role)
        assert spec_fields == tuple(_snake(n) for n in arg_names), f"{name}: {arg_names} vs {spec_fields}"
        assert getattr(errors, name) is errors.ERRORS[name]


@pytest.mark.parametrize("name", sorted(errors.ERROR_SPECS))
def test_decoding_raw_revert_data_gives_the_python_class(name: str) -> None:
    types, fields = errors.ERROR_SPECS[name]
    samples = {
        "address": "0x" + "ab" * 20,
        "bytes32": b"\x11" * 32,
        "uint8": 6,
        "uint32": 77,
        "uint256": 2**70 + 3,
    }
    values = [samples[t] for t in types]
    data = keccak(text=f"{name}({','.join(types)})")[:4] + encode(list(types), values)
    codec = Codec(load_artifact("BoisPlatform").abi, load_artifact("OfferSearch").abi)
    err = codec.decode_error(data)
    assert type(err) is errors.ERRORS[name]
    for field, value in zip(fields, values):
        got = getattr(err, field)
        if isinstance(value, str):
            assert got.lower() == value.lower()
        else:
            assert got == value
    assert name in str(err)


def test_panic_and_empty_reverts_are_chain_errors_not_hex() -> None:
    codec = Codec(load_artifact("BoisPlatform").abi)
    panic = codec.decode_error(bytes.fromhex("4e487b71") + encode(["uint256"], [0x11]))
    assert isinstance(panic, PanicError) and "overflow" in str(panic)
    empty = codec.decode_error(b"")
    assert isinstance(empty, errors.ChainError) and "without a reason" in str(empty)
    unknown = codec.decode_error(b"\xde\xad\xbe\xef")
    assert isinstance(unknown, errors.ChainError)
