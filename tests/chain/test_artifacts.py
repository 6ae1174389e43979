"""The committed artifacts are what the sources compile to (so using bois never needs a compiler)."""

from __future__ import annotations

import json
import shutil

import pytest

from bois import compiler

CODE_SIZE_LIMIT = 24_576


def test_artifacts_exist_with_build_metadata() -> None:
    for name in compiler.CONTRACTS:
        data = compiler.load_artifact(name).data
        assert data["abi"] and data["bytecode"].startswith("0x") and data["deployedBytecode"].startswith("0x")
        assert data["compiler"]["version"] == compiler.SOLC_VERSION
        assert data["compiler"]["evmVersion"] == "cancun"
        assert data["compiler"]["optimizer"] == {"enabled": True, "runs": 200}
        assert set(data["sources"]) == set(compiler.source_hashes())


def test_runtime_code_under_the_size_limit() -> None:
    for name in compiler.CONTRACTS:
        size = (len(compiler.load_artifact(name).deployed_bytecode) - 2) // 2
        assert 0 < size <= CODE_SIZE_LIMIT, f"{name} runtime code is {size} bytes"


def test_artifact_source_hashes_match_contracts() -> None:
    stale = compiler.stale_artifacts()
    assert not stale, (
        f"artifacts {stale} were built from different contracts/ sources: run `bois compile` and commit bois/artifacts/"
    )


@pytest.mark.skipif(
    shutil.which("node") is None and not compiler.os.environ.get("BOIS_SOLC") and shutil.which("solc") is None,
    reason="no Solidity compiler here (node is absent and BOIS_SOLC unset): cannot recompile to compare",
)
def test_recompiling_reproduces_the_committed_artifacts() -> None:
    try:
        fresh = compiler.compile_contracts()
    except compiler.CompilerError as exc:
        if "node_modules/solc is missing" in str(exc):
            pytest.skip(f"solc-js not installed: {exc}")
        raise
    for name, data in fresh.items():
        committed = json.loads((compiler.ARTIFACTS_DIR / f"{name}.json").read_text())
        for key in ("abi", "bytecode", "deployedBytecode", "sources", "compiler"):
            assert committed[key] == data[key], (
                f"bois/artifacts/{name}.json is stale ({key} differs from a fresh compile): "
                "run `bois compile` and commit the result"
            )
