"""Deploy the platform and describe a deployment in a JSON manifest.

    chain = EmbeddedChain()            # or RpcChain("http://127.0.0.1:8545", key)

The manifest holds public facts only: chain id, contract addresses, the deployer's address,
the deployment block and the sha256 of each artifact. Never a key.
    deployment = deploy(chain)
    write_manifest(deployment, "deployment.json")
    ...
    platform = ChainPlatform.from_manifest(chain, load_manifest("deployment.json"))
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from eth_abi import encode

from .chain import Chain
from .compiler import CONTRACTS, artifact_hash, load_artifact
from .errors import ChainError

PLATFORM_DEPLOY_GAS = 6_000_000
SEARCH_DEPLOY_GAS = 2_000_000
MANIFEST_VERSION = 1


class DeploymentError(ChainError):
    """A manifest does not describe a usable deployment on this chain."""


class WrongChain(DeploymentError):
    """The connected chain's id is not the manifest's."""


class MissingContracts(DeploymentError):
    """No (or other) contract code at the manifest's addresses."""


@dataclass(frozen=True)
class Deployment:
    chain_id: int
    platform: str  # BoisPlatform address
    search: str  # OfferSearch lens address
    deployer: str
    block: int  # block of the platform's deployment
    artifacts: dict[str, str] = field(default_factory=dict)  # contract -> sha256 of its artifact file
    version: int = MANIFEST_VERSION

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Deployment":
        try:
            return cls(
                chain_id=int(data["chain_id"]),
                platform=str(data["platform"]),
                search=str(data["search"]),
                deployer=str(data["deployer"]),
                block=int(data["block"]),
                artifacts=dict(data.get("artifacts", {})),
                version=int(data.get("version", MANIFEST_VERSION)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DeploymentError(f"malformed deployment manifest: {exc!r}") from None


def deploy(chain: Chain, sender: str | None = None) -> Deployment:
    """Deploy BoisPlatform (sender becomes admin) and the OfferSearch lens over it."""
    sender = sender or chain.admin
    platform_art = load_artifact("BoisPlatform")
    search_art = load_artifact("OfferSearch")
    platform_addr, result = chain.deploy(sender, bytes.fromhex(platform_art.bytecode[2:]), PLATFORM_DEPLOY_GAS)
    init = bytes.fromhex(search_art.bytecode[2:]) + encode(["address"], [platform_addr])
    search_addr, _ = chain.deploy(sender, init, SEARCH_DEPLOY_GAS)
    return Deployment(
        chain_id=chain.chain_id,
        platform=platform_addr,
        search=search_addr,
        deployer=sender,
        block=result.block_number,
        artifacts={name: artifact_hash(name) for name in CONTRACTS},
    )


def write_manifest(deployment: Deployment, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(deployment.to_json(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def load_manifest(path: str | Path) -> Deployment:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DeploymentError(f"no deployment manifest at {path}") from None
    except json.JSONDecodeError as exc:
        raise DeploymentError(f"{path} is not JSON: {exc}") from None
    return Deployment.from_json(data)


def check_deployment(chain: Chain, deployment: Deployment) -> None:
    """Raise DeploymentError unless the manifest matches this chain and its contracts are there."""
    where = chain.describe()
    if deployment.chain_id != chain.chain_id:
        raise WrongChain(
            f"the manifest is for chain id {deployment.chain_id}, but {where} has chain id {chain.chain_id}: "
            "wrong node or wrong manifest"
        )
    for label, address in (("BoisPlatform", deployment.platform), ("OfferSearch", deployment.search)):
        code = chain.get_code(address)
        if not code:
            raise MissingContracts(
                f"no contract code at the manifest's {label} address {address} on {where} (chain id {chain.chain_id}): "
                "the node was reset or the manifest belongs to another deployment; run `bois deploy` again"
            )
    expected = load_artifact("BoisPlatform").deployed_bytecode
    if chain.get_code(deployment.platform).hex() != expected[2:]:
        raise MissingContracts(
            f"the code at {deployment.platform} on {where} is not this version's BoisPlatform "
            "(artifact changed since deployment?)"
        )
