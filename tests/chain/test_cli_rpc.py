"""The command line against a real node (anvil from package.json, started by the tests).

Keys come from $BOIS_PRIVATE_KEY or a keystore, never from the command line, and are never
printed or written; unreachable nodes, wrong chain ids and missing contracts end in one
clear line and exit code 1; `bois simulate` on anvil gives the embedded chain's numbers,
and a node killed mid-sweep stops the run with a clear error and no results folder, which
`--resume` on a new node then completes with the same results.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
from eth_account import Account

from bois import cli
from bois.node import AnvilNode, free_port

pytestmark = pytest.mark.skipif(os.environ.get("BOIS_SKIP_ANVIL") == "1", reason="BOIS_SKIP_ANVIL=1")

# anvil's second development account (public "test test ... junk" mnemonic): not the default.
KEY_1 = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
ADDRESS_1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
ROOT = Path(__file__).resolve().parents[2]
BOIS = [sys.executable, "-m", "bois.cli"]


@pytest.fixture(scope="module")
def node() -> Iterator[AnvilNode]:
    with AnvilNode() as n:
        yield n


@pytest.fixture(autouse=True)
def _no_key_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("BOIS_PRIVATE_KEY", "BOIS_KEYSTORE_PASSWORD", "BOIS_RPC_URL"):
        monkeypatch.delenv(var, raising=False)


def _secret_free(text: str) -> None:
    assert KEY_1[2:].lower() not in text.lower()


def test_deploy_signs_with_the_key_from_the_environment(
    node: AnvilNode, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOIS_PRIVATE_KEY", KEY_1)
    manifest = tmp_path / "deployment.json"
    assert cli.main(["deploy", "--rpc-url", node.url, "--manifest", str(manifest)]) == 0
    out = capsys.readouterr()
    data = json.loads(manifest.read_text())
    assert data["deployer"] == ADDRESS_1 and data["chain_id"] == 31337
    assert node.url in out.out and "anvil" in out.out
    for text in (out.out, out.err, manifest.read_text()):
        _secret_free(text)


def test_deploy_and_demo_with_a_keystore(
    node: AnvilNode, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    keystore = tmp_path / "deployer.json"
    keystore.write_text(json.dumps(Account.encrypt(KEY_1, "correct horse", kdf="pbkdf2", iterations=2)))
    manifest = tmp_path / "deployment.json"

    monkeypatch.setenv("BOIS_KEYSTORE_PASSWORD", "wrong")
    assert cli.main(["deploy", "--rpc-url", node.url, "--keystore", str(keystore), "--manifest", str(manifest)]) == 1
    err = capsys.readouterr().err
    assert f"--keystore {keystore}: wrong password" in err and not manifest.exists()

    monkeypatch.setenv("BOIS_KEYSTORE_PASSWORD", "correct horse")
    assert cli.main(["deploy", "--rpc-url", node.url, "--keystore", str(keystore), "--manifest", str(manifest)]) == 0
    assert json.loads(manifest.read_text())["deployer"] == ADDRESS_1
    # the demo attaches to that deployment, twice: the second run gets fresh firms
    for _ in range(2):
        assert cli.main(["demo", "--rpc-url", node.url, "--keystore", str(keystore), "--manifest", str(manifest)]) == 0
        out = capsys.readouterr()
        assert "JSON-RPC node at" in out.out and "TERMINATED" in out.out, out.err
        _secret_free(out.out + out.err)


def test_bad_key_sources_are_named(node: AnvilNode, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BOIS_PRIVATE_KEY", KEY_1[:-2])
    assert cli.main(["deploy", "--rpc-url", node.url, "--manifest", str(tmp_path / "m.json")]) == 1
    err = capsys.readouterr().err
    assert "$BOIS_PRIVATE_KEY: a private key is 32 bytes" in err and KEY_1[2:-2] not in err
    monkeypatch.delenv("BOIS_PRIVATE_KEY")
    assert cli.main(["deploy", "--rpc-url", node.url, "--keystore", str(tmp_path / "none.json")]) == 1
    assert "none.json: no such file" in capsys.readouterr().err
    (tmp_path / "bad.json").write_text('{"address": "x"}')
    assert cli.main(["deploy", "--rpc-url", node.url, "--keystore", str(tmp_path / "bad.json")]) == 1
    assert "not an Ethereum keystore" in capsys.readouterr().err


def test_unreachable_node_wrong_chain_and_missing_contracts(
    node: AnvilNode, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    assert cli.main(["demo", "--rpc-url", nowhere]) == 1
    assert f"cannot reach a JSON-RPC node at {nowhere}" in capsys.readouterr().err

    manifest = tmp_path / "deployment.json"
    assert cli.main(["deploy", "--rpc-url", node.url, "--manifest", str(manifest)]) == 0
    capsys.readouterr()
    data = json.loads(manifest.read_text())
    wrong = tmp_path / "wrong_chain.json"
    wrong.write_text(json.dumps({**data, "chain_id": 1}))
    assert cli.main(["demo", "--rpc-url", node.url, "--manifest", str(wrong)]) == 1
    err = capsys.readouterr().err
    assert "the manifest is for chain id 1, but the JSON-RPC node at" in err and "has chain id 31337" in err
    gone = tmp_path / "gone.json"
    gone.write_text(json.dumps({**data, "platform": "0x" + "12" * 20}))
    assert cli.main(["simulate", "--generate", "10", "--chain", node.url, "--manifest", str(gone), "--out", str(tmp_path / "r")]) == 1
    assert "no contract code at the manifest's BoisPlatform address" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def _simulate(chain: str, out: Path, *extra: str) -> list[str]:
    return BOIS + [
        "simulate", "--generate", "12", "--seed", "4", "--strategies", "bois", "--horizon", "60", "--t0", "4",
        "--duration", "24", "--no-progress", "--no-report", "--chain", chain, "--out", str(out), *extra,
    ]


def _results(folder: Path) -> dict[str, str]:
    return {name: (folder / name).read_text() for name in ("scenarios.csv", "timeseries.csv", "links.csv")}


def test_simulate_on_anvil_equals_the_embedded_chain_and_survives_a_dead_node(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    embedded = tmp_path / "embedded"
    subprocess.run(_simulate("embedded", embedded), check=True, env=env, cwd=tmp_path, capture_output=True)
    expected = _results(embedded)
    assert "bois" in expected["scenarios.csv"]

    # a node that dies after the first finished scenario
    out = tmp_path / "anvil"
    checkpoint = out.with_name("anvil.partial") / "results.jsonl"
    with AnvilNode() as n:
        proc = subprocess.Popen(_simulate(n.url, out), env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 300
        while not (checkpoint.exists() and checkpoint.read_text().count("\n") >= 2):  # setup + one scenario
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no scenario finished on anvil within 300 s"
            time.sleep(0.05)
        n.kill()
        stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1, (stdout, stderr)
    assert f"the JSON-RPC node at {n.url} is unreachable" in stderr and "Traceback" not in stderr
    assert not out.exists(), "a failed run must not leave a results folder"
    done = checkpoint.read_text().count("\n")

    # resume on a new node: finished scenarios are taken from the checkpoint, the rest rerun
    with AnvilNode() as n2:
        r = subprocess.run(_simulate(n2.url, out, "--resume"), env=env, cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert f"resuming: {done - 1} finished scenario runs" in r.stdout
    assert _results(out) == expected  # the same numbers as the embedded chain, gas included


@pytest.mark.parametrize("stop", ["SIGINT", "SIGTERM"])
def test_bois_node_serves_until_interrupted(tmp_path: Path, stop: str) -> None:
    import signal

    port = free_port()
    proc = subprocess.Popen(BOIS + ["node", "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert f"anvil listening on http://127.0.0.1:{port} (chain id 31337" in line, (line, proc.stderr.read() if proc.poll() is not None else "")
        assert cli.main(["deploy", "--rpc-url", f"http://127.0.0.1:{port}", "--manifest", str(tmp_path / "m.json")]) == 0
    finally:
        proc.send_signal(getattr(signal, stop))
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "stopping anvil" in out
    # anvil went down with it: the port is free again
    import socket

    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_simulate_refuses_a_node_without_snapshots(
    node: AnvilNode, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A production node (geth, Besu) answers evm_snapshot with 'method not found'."""
    from bois.chain import RpcChain, RpcError

    def no_snapshots(self: RpcChain) -> int:
        raise RpcError(self.url, "evm_snapshot", -32601, "the method evm_snapshot does not exist/is not available")

    monkeypatch.setattr(RpcChain, "snapshot", no_snapshots)
    out = tmp_path / "r"
    assert cli.main(["simulate", "--generate", "10", "--chain", node.url, "--out", str(out), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "reverts the chain to a snapshot between scenarios" in err and "evm_snapshot does not exist" in err
    assert not out.exists() and not out.with_name("r.partial").exists()
