"""The same platform over a JSON-RPC node (anvil), when one is available.

anvil is found as ``$BOIS_ANVIL``, on PATH, or in node_modules/@foundry-rs/anvil-linux-amd64
(``npm install @foundry-rs/anvil-linux-amd64``). Without it these tests are skipped.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator

import pytest

from bois import errors
from bois.chain import RpcChain
from bois.chain_platform import ChainPlatform
from bois.deploy import deploy
from bois.types import AgreementState, EnergyForm, FirmStatus, OfferQuery

ROOT = Path(__file__).resolve().parents[2]


def _anvil() -> str | None:
    env = os.environ.get("BOIS_ANVIL")
    if env:
        return env
    found = shutil.which("anvil")
    if found:
        return found
    local = ROOT / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
    return str(local) if local.is_file() else None


ANVIL = _anvil()
pytestmark = pytest.mark.skipif(ANVIL is None, reason="anvil not found (set BOIS_ANVIL or npm install @foundry-rs/anvil-linux-amd64)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def rpc_platform() -> Iterator[ChainPlatform]:
    assert ANVIL is not None
    port = _free_port()
    home = tempfile.mkdtemp(prefix="bois-anvil-")
    proc = subprocess.Popen(
        [ANVIL, "--port", str(port), "--prune-history", "--silent", "--hardfork", "cancun"],
        env={**os.environ, "HOME": home},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                chain = RpcChain(f"http://127.0.0.1:{port}")
                break
            except errors.ChainError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.skip("anvil did not start")
                time.sleep(0.05)
        yield ChainPlatform(chain, deploy(chain))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(home, ignore_errors=True)


def test_exchange_and_decoded_errors_over_json_rpc(rpc_platform: ChainPlatform) -> None:
    p = rpc_platform
    snap = p.snapshot()
    try:
        sup, con = p.new_account(), p.new_account()
        fs = p.register_firm(sup, "Asnaes", 1, 0, 0, [EnergyForm.STEAM], [])
        fc = p.register_firm(con, "Novo", 2, 30, 40, [], [EnergyForm.STEAM])
        o = p.post_offer(sup, EnergyForm.STEAM, 1_000, 180, 5_000, p.now() + 3_600)
        [match] = p.search_offers(OfferQuery(EnergyForm.STEAM, x_m=30, y_m=40)).matches
        assert match.offer.offer_id == o and match.distance_m == 50
        a = p.propose_agreement(con, o, 400, 600)
        p.accept_agreement(sup, a)
        with pytest.raises(errors.OfferOverAllocated) as exc:
            p.propose_agreement(con, o, 601, 600)
        assert (exc.value.requested, exc.value.remaining) == (601, 600)
        with pytest.raises(errors.FirmNotOwner):
            p.report_status(con, fs, FirmStatus.DISRUPTED)
        p.report_status(sup, fs, FirmStatus.DISRUPTED)
        assert p.agreement(a).state is AgreementState.SUSPENDED
        p.advance_time(700)
        assert p.agreement(a).state is AgreementState.EXPIRED
        assert p.firm(fc).name == "Novo"
        assert ChainPlatform(p.chain, p.deployment).firm(fs).name == "Asnaes"  # read back via eth_getLogs
    finally:
        p.revert(snap)
    assert p.firm_count() == 0
