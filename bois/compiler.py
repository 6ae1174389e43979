"""Compile the Solidity contracts and write the committed artifacts.

Using the platform never needs a compiler: :func:`load_artifact` reads the JSON files in
``bois/artifacts/``. This module regenerates them (``bois compile``) and checks them
(``tests/chain/test_artifacts.py``).

The compiler binary is chosen in this order:

1. the ``BOIS_SOLC`` environment variable (any ``solc``-compatible executable);
2. a native ``solc`` on ``PATH`` whose version is :data:`SOLC_VERSION`;
3. ``scripts/solc``, a node wrapper around the official solc-js (``npm ci`` installs it).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import BoisError

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
CONTRACTS_DIR = PROJECT_ROOT / "contracts"
ARTIFACTS_DIR = PACKAGE_DIR / "artifacts"
NODE_SOLC = PROJECT_ROOT / "scripts" / "solc"

SOLC_VERSION = "0.8.37"
EVM_VERSION = "cancun"
OPTIMIZER_RUNS = 200
VIA_IR = False

# Deployable contracts: artifact name -> source file (relative to the project root).
CONTRACTS: dict[str, str] = {
    "BoisPlatform": "contracts/BoisPlatform.sol",
    "OfferSearch": "contracts/searching/OfferSearch.sol",
}


class CompilerError(BoisError):
    """No usable compiler, or the contracts did not compile."""


@dataclass(frozen=True)
class Artifact:
    name: str
    abi: list[dict[str, Any]]
    bytecode: str
    deployed_bytecode: str
    data: dict[str, Any]


def source_files() -> list[Path]:
    """Every Solidity file under ``contracts/``, sorted."""
    return sorted(CONTRACTS_DIR.rglob("*.sol"))


def source_hashes() -> dict[str, str]:
    """``{relative path: sha256}`` of the project's Solidity sources."""
    return {
        p.relative_to(PROJECT_ROOT).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in source_files()
    }


def _binary_version(binary: str) -> str | None:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"Version: (\d+\.\d+\.\d+)", out)
    return m.group(1) if m else None


def find_solc() -> str:
    """The compiler binary to use (see the module docstring); raises CompilerError if none."""
    env = os.environ.get("BOIS_SOLC")
    if env:
        if _binary_version(env) is None:
            raise CompilerError(f"BOIS_SOLC={env!r} does not answer `--version` like solc")
        return env
    native = shutil.which("solc")
    if native and _binary_version(native) == SOLC_VERSION:
        return native
    if shutil.which("node") is None:
        raise CompilerError(
            f"no compiler: set BOIS_SOLC, put solc {SOLC_VERSION} on PATH, or install node and run `npm ci`"
        )
    if not (PROJECT_ROOT / "node_modules" / "solc").is_dir():
        raise CompilerError(f"node_modules/solc is missing: run `npm ci` in {PROJECT_ROOT}")
    return str(NODE_SOLC)


def standard_input() -> dict[str, Any]:
    """The solc standard-JSON input for all contracts (OpenZeppelin resolved by the import callback)."""
    sources = {
        p.relative_to(PROJECT_ROOT).as_posix(): {"content": p.read_text(encoding="utf-8")} for p in source_files()
    }
    return {
        "language": "Solidity",
        "sources": sources,
        "settings": {
            "evmVersion": EVM_VERSION,
            "optimizer": {"enabled": True, "runs": OPTIMIZER_RUNS},
            "viaIR": VIA_IR,
            "remappings": ["@openzeppelin/=node_modules/@openzeppelin/"],
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
        },
    }


def compile_contracts(solc_binary: str | None = None) -> dict[str, dict[str, Any]]:
    """Compile every contract; returns ``{artifact name: artifact dict}`` for :data:`CONTRACTS`."""
    import solcx  # imported lazily: only compiling needs it

    binary = solc_binary or find_solc()
    version = _binary_version(binary)
    try:
        output = solcx.compile_standard(
            standard_input(), solc_binary=binary, base_path=str(PROJECT_ROOT), allow_paths=[str(PROJECT_ROOT)]
        )
    except solcx.exceptions.SolcError as exc:
        raise CompilerError(f"compilation failed with {binary}:\n{exc.message}") from None
    all_sources = sorted(output.get("sources", {}))
    lib_hashes: dict[str, str] = {}
    for src in all_sources:
        if not src.startswith("contracts/"):
            path = PROJECT_ROOT / src
            if path.is_file():
                lib_hashes[src] = hashlib.sha256(path.read_bytes()).hexdigest()
    hashes = source_hashes()
    artifacts: dict[str, dict[str, Any]] = {}
    for name, source in CONTRACTS.items():
        compiled = output["contracts"][source][name]
        artifacts[name] = {
            "contractName": name,
            "sourceName": source,
            "abi": compiled["abi"],
            "bytecode": "0x" + compiled["evm"]["bytecode"]["object"],
            "deployedBytecode": "0x" + compiled["evm"]["deployedBytecode"]["object"],
            "compiler": {
                "version": version,
                "evmVersion": EVM_VERSION,
                "optimizer": {"enabled": True, "runs": OPTIMIZER_RUNS},
                "viaIR": VIA_IR,
            },
            "sources": hashes,
            "librarySources": lib_hashes,
        }
    return artifacts


def write_artifacts(artifacts: dict[str, dict[str, Any]], directory: Path = ARTIFACTS_DIR) -> list[Path]:
    """Write one ``<Contract>.json`` per artifact; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in artifacts.items():
        path = directory / f"{name}.json"
        path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


_CACHE: dict[str, Artifact] = {}


def load_artifact(name: str) -> Artifact:
    """The committed artifact ``bois/artifacts/<name>.json`` (no compiler involved)."""
    if name not in _CACHE:
        path = ARTIFACTS_DIR / f"{name}.json"
        if not path.is_file():
            raise CompilerError(f"artifact {path} is missing: run `bois compile`")
        data = json.loads(path.read_text(encoding="utf-8"))
        _CACHE[name] = Artifact(name, data["abi"], data["bytecode"], data["deployedBytecode"], data)
    return _CACHE[name]


def artifact_hash(name: str) -> str:
    """sha256 of the committed artifact file (recorded in deployment manifests)."""
    return hashlib.sha256((ARTIFACTS_DIR / f"{name}.json").read_bytes()).hexdigest()


def stale_artifacts() -> list[str]:
    """Names of artifacts whose recorded source hashes differ from ``contracts/`` now (no compiler needed)."""
    current = source_hashes()
    stale = []
    for name in CONTRACTS:
        path = ARTIFACTS_DIR / f"{name}.json"
        if not path.is_file():
            stale.append(name)
            continue
        if json.loads(path.read_text(encoding="utf-8")).get("sources") != current:
            stale.append(name)
    return stale


def main() -> list[Path]:
    """Compile and write the artifacts (``bois compile``)."""
    return write_artifacts(compile_contracts())
