"""The same platform over a JSON-RPC node: anvil, started by :class:`bois.node.AnvilNode`.

anvil comes from the npm package pinned in package.json (``npm ci``; ``make test`` runs it),
so these tests run in CI; without it they fail with AnvilNotFound saying so. Set
``BOIS_SKIP_ANVIL=1`` to skip them explicitly.
"""

from __future__ import annotations

import os
from typing import Iterator

import pytest

from bois import errors
from bois.chain_platform import ChainPlatform
from bois.node import AnvilNode
from bois.types import AgreementState, EnergyForm, FirmStatus, OfferQuery

pytestmark = pytest.mark.skipif(os.environ.get("BOIS_SKIP_ANVIL") == "1", reason="BOIS_SKIP_ANVIL=1")


@pytest.fixture(scope="module")
def rpc_platform() -> Iterator[ChainPlatform]:
    with AnvilNode() as node:
        yield ChainPlatform.rpc(node.url)


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


@pytest.mark.parametrize("sync", [True, False], ids=["sendRawTransactionSync", "send-and-poll"])
def test_both_send_paths_mine_and_reject_alike(rpc_platform: ChainPlatform, sync: bool) -> None:
    """anvil answers eth_sendRawTransactionSync with the receipt; other nodes (or an anvil
    without it) get eth_sendRawTransaction and receipt polling. Same results either way."""
    p = rpc_platform
    chain = p.chain
    snap = p.snapshot()
    saved = chain._send_sync  # type: ignore[attr-defined]
    chain._send_sync = sync  # type: ignore[attr-defined]
    try:
        sup = p.new_account()
        fs = p.register_firm(sup, "Asnaes", 1, 0, 0, [EnergyForm.STEAM], [])
        block = chain.block_number()
        o = p.post_offer(sup, EnergyForm.STEAM, 1_000, 180, 5_000, p.now() + 3_600)
        assert chain.block_number() == block + 1 and p.offer(o).quantity == 1_000
        assert [e.name for e in p.last_events] == ["OfferPosted"]
        with pytest.raises(errors.ZeroQuantity):
            p.post_offer(sup, EnergyForm.STEAM, 0, 180, 5_000, p.now() + 3_600)
        assert chain.block_number() == block + 1  # a rejected action costs no block
        p.report_status(sup, fs, FirmStatus.DISRUPTED)  # and no nonce: the next one goes through
    finally:
        chain._send_sync = saved  # type: ignore[attr-defined]
        p.revert(snap)
