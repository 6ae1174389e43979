"""The `bois` command line: demo and deploy run and say what happened."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from bois import cli


def test_demo_walks_the_three_layers(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out
    for text in (
        "register firm 1: Asnaes power station",
        "posts offer 1",
        "search from Novo Nordisk",
        "proposes agreement 1",
        "accepts",
        "delivery of 2,000 kWh recorded; amount due 90.00 EUR",
        "reports DISRUPTED",
        "now reads SUSPENDED",
        "now reads ACTIVE again",
        "terminates agreement 1",
        "TERMINATED",
    ):
        assert text in out, f"{text!r} missing from the demo output:\n{out}"
    assert "gas" in out and "[FirmRegistered]" in out


def test_deploy_writes_a_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = tmp_path / "deployment.json"
    assert cli.main(["deploy", "--manifest", str(manifest)]) == 0
    out = capsys.readouterr().out
    data = json.loads(manifest.read_text())
    assert data["platform"] in out and data["search"] in out and str(data["chain_id"]) in out
    assert set(data) >= {"chain_id", "platform", "search", "deployer", "block", "artifacts"}


def test_deploy_to_an_unreachable_node_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["deploy", "--rpc-url", "http://127.0.0.1:9", "--manifest", "/nonexistent/x.json"]) == 1
    assert "cannot reach a JSON-RPC node" in capsys.readouterr().err


def test_subcommands_are_a_registry(capsys: pytest.CaptureFixture[str]) -> None:
    assert {"compile", "deploy", "demo"} <= set(cli.COMMANDS)

    @cli.command("hello", "say hello", lambda parser: parser.add_argument("--who", default="park"))
    def hello(args: argparse.Namespace) -> int:
        print(f"hello {args.who}")
        return 0

    try:
        assert cli.main(["hello", "--who", "Kalundborg"]) == 0
        assert "hello Kalundborg" in capsys.readouterr().out
    finally:
        del cli.COMMANDS["hello"]
    assert cli.main([]) == 2
