"""Deployment manifests: round trip, and clear errors for the wrong chain or missing code."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bois.chain import EmbeddedChain
from bois.chain_platform import ChainPlatform
from bois.compiler import CONTRACTS, artifact_hash
from bois.deploy import Deployment, DeploymentError, deploy, load_manifest, write_manifest


@pytest.fixture(scope="module")
def deployed() -> tuple[EmbeddedChain, Deployment]:
    chain = EmbeddedChain()
    return chain, deploy(chain)


def test_manifest_round_trip(deployed: tuple[EmbeddedChain, Deployment], tmp_path: Path) -> None:
    chain, d = deployed
    assert d.chain_id == chain.chain_id and d.deployer == chain.admin and d.block == 1
    assert d.artifacts == {name: artifact_hash(name) for name in CONTRACTS}
    path = write_manifest(d, tmp_path / "sub" / "deployment.json")
    assert load_manifest(path) == d
    p = ChainPlatform.from_manifest(chain, path)
    acct = p.new_account()
    fid = p.register_firm(acct, "Via manifest", 1, 0, 0, [], [])
    assert p.firm(fid).name == "Via manifest"


def test_wrong_chain_id_is_refused(deployed: tuple[EmbeddedChain, Deployment]) -> None:
    chain, d = deployed
    with pytest.raises(DeploymentError, match="chain id 1,|chain id 1\\b"):
        ChainPlatform.from_manifest(chain, dataclasses.replace(d, chain_id=1))


def test_missing_contract_is_refused(deployed: tuple[EmbeddedChain, Deployment]) -> None:
    chain, d = deployed
    nowhere = "0x" + "12" * 20
    with pytest.raises(DeploymentError, match="no contract code at the manifest's BoisPlatform address"):
        ChainPlatform.from_manifest(chain, dataclasses.replace(d, platform=nowhere))
    with pytest.raises(DeploymentError, match="OfferSearch"):
        ChainPlatform.from_manifest(chain, dataclasses.replace(d, search=nowhere))
    with pytest.raises(DeploymentError, match="not this version's BoisPlatform"):
        ChainPlatform.from_manifest(chain, dataclasses.replace(d, platform=d.search))


def test_a_fresh_chain_does_not_have_the_contracts(deployed: tuple[EmbeddedChain, Deployment]) -> None:
    _, d = deployed
    other = EmbeddedChain()
    other.new_account()  # move past the deployment nonce so the addresses stay empty
    with pytest.raises(DeploymentError, match="no contract code"):
        ChainPlatform.from_manifest(other, d)


def test_bad_manifest_files(tmp_path: Path) -> None:
    with pytest.raises(DeploymentError, match="no deployment manifest"):
        load_manifest(tmp_path / "absent.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(DeploymentError, match="not JSON"):
        load_manifest(tmp_path / "bad.json")
    (tmp_path / "partial.json").write_text('{"chain_id": 1}')
    with pytest.raises(DeploymentError, match="malformed"):
        load_manifest(tmp_path / "partial.json")
