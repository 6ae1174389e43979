"""Gas targets of docs/platform.md (gas is deterministic, so these are exact, not timed)."""

from __future__ import annotations

from bois.chain_platform import ChainPlatform, OfferSpec
from bois.types import EnergyForm

S = EnergyForm.STEAM


def _gas(p: ChainPlatform) -> int:
    assert p.last_tx is not None
    return p.last_tx.gas_used


def test_gas_targets_on_representative_cases(chain_platform: ChainPlatform) -> None:
    p = chain_platform
    a, b, c = p.new_account(), p.new_account(), p.new_account()
    p.register_firm(a, "Warm-up firm", 1, 0, 0, [S], [S])  # counters 0 -> 1 cost more; not representative
    p.register_firm(b, "Asnaes power station", 1, 10, 10, [S], [])
    register = _gas(p)
    p.register_firm(c, "Novo Nordisk", 5, 100, 100, [], [S])
    t = p.now() + 86_400
    p.post_offer(a, S, 100, 150, 1_000, t)
    o = p.post_offer(b, S, 5_000, 180, 5_000, t)
    post = _gas(p)
    ag0 = p.propose_agreement(a, o, 1, 600)
    p.accept_agreement(b, ag0)
    ag = p.propose_agreement(c, o, 100, 3_600)
    propose = _gas(p)
    p.accept_agreement(b, ag)
    accept = _gas(p)
    assert register <= 90_000, f"registerFirm {register}"
    assert post <= 90_000, f"postOffer {post}"
    assert propose + accept <= 130_000, f"propose {propose} + accept {accept}"


def test_batches_are_cheaper_per_item_than_single_calls(chain_platform: ChainPlatform) -> None:
    p = chain_platform
    a, c = p.new_account(), p.new_account()
    p.register_firm(a, "Supplier", 1, 0, 0, [S], [])
    p.register_firm(c, "Consumer", 1, 0, 0, [], [S])
    t = p.now() + 86_400
    p.post_offer(a, S, 10, 0, 1, t)
    single = _gas(p)
    ids = p.post_offers(a, [OfferSpec(S, 10, 0, 1, t)] * 50)
    assert _gas(p) / 50 < 0.6 * single
    p.propose_agreement(c, ids[0], 1, 60)
    single_p = _gas(p)
    p.propose_agreements(c, [(i, 1, 60) for i in ids[1:]])
    assert _gas(p) / 49 < 0.6 * single_p
