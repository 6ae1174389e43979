#!/usr/bin/env python3
"""Gas of every platform operation on the embedded chain, against the design targets.

Each operation is measured on a representative case (not the first-ever firm/offer/agreement,
whose counters go from zero to one and cost more). Gas is deterministic: one run is enough.

    .venv/bin/python scripts/gas_report.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bois.chain_platform import ChainPlatform, OfferSpec  # noqa: E402
from bois.platform import Role  # noqa: E402
from bois.types import EnergyForm, FirmStatus  # noqa: E402

TARGETS = {
    "registerFirm": 90_000,
    "postOffer": 90_000,
    "proposeAgreement + acceptAgreement": 130_000,
}


def measure() -> list[tuple[str, int, int | None]]:
    p = ChainPlatform.embedded()
    rows: list[tuple[str, int, int | None]] = []

    def gas() -> int:
        assert p.last_tx is not None
        return p.last_tx.gas_used

    S, E = EnergyForm.STEAM, EnergyForm.ELECTRICITY
    warm = p.new_account()
    sup = p.new_account()
    con = p.new_account()
    other = p.new_account()
    meter = p.new_account()
    p.register_firm(warm, "Warm-up firm", 1, -500, 200, [S], [E])  # the first-ever firm
    p.register_firm(sup, "Asnaes power station", 1, 0, 0, [S, E], [])
    rows.append(("registerFirm (2nd firm, 20-byte name)", gas(), TARGETS["registerFirm"]))
    p.register_firm(con, "Novo Nordisk", 5, 1200, -300, [], [S])
    p.register_firm(other, "Equinor refinery", 4, 800, 900, [S], [S])
    p.grant_role(p.admin, Role.METER, meter)
    rows.append(("grantRole (METER_ROLE)", gas(), None))

    t = p.now() + 30 * 86_400
    p.post_offer(warm, S, 500, 150, 4_000, t)  # the first-ever offer
    o = p.post_offer(sup, S, 5_000, 180, 5_000, t)
    rows.append(("postOffer (2nd offer)", gas(), TARGETS["postOffer"]))
    o_auto = p.post_offer(sup, S, 5_000, 180, 5_000, t, auto_accept=True)
    p.update_offer(sup, o, 6_000, 185, 5_200, t + 100)
    rows.append(("updateOffer", gas(), None))

    a0 = p.propose_agreement(other, o, 10, 3_600)  # the first-ever agreement
    p.accept_agreement(sup, a0)
    a = p.propose_agreement(con, o, 100, 86_400)
    propose = gas()
    rows.append(("proposeAgreement (manual, 2nd)", propose, None))
    p.accept_agreement(sup, a)
    accept = gas()
    rows.append(("acceptAgreement", accept, None))
    rows.append(("proposeAgreement + acceptAgreement", propose + accept, TARGETS["proposeAgreement + acceptAgreement"]))
    p.propose_agreement(con, o_auto, 100, 86_400)
    rows.append(("proposeAgreement (auto-accept)", gas(), None))
    r = p.propose_agreement(con, o, 50, 3_600)
    p.reject_agreement(sup, r)
    rows.append(("rejectAgreement", gas(), None))

    p.record_delivery(meter, a, 100)
    rows.append(("recordDelivery (first, new slot)", gas(), None))
    p.record_delivery(meter, a, 100)
    rows.append(("recordDelivery (second)", gas(), None))

    p.report_status(sup, p.firm_id_of(sup), FirmStatus.DISRUPTED)
    rows.append(("reportStatus (OPERATING -> DISRUPTED)", gas(), None))
    p.report_status(sup, p.firm_id_of(sup), FirmStatus.RECOVERED)
    rows.append(("reportStatus (DISRUPTED -> RECOVERED)", gas(), None))

    p.terminate_agreement(con, a)
    rows.append(("terminateAgreement (live)", gas(), None))
    a1 = p.propose_agreement(con, o, 10, 60)
    p.accept_agreement(sup, a1)
    p.advance_time(120)
    p.close_agreement(other, a1)
    rows.append(("closeAgreement (expired)", gas(), None))
    p.withdraw_offer(sup, o_auto)
    rows.append(("withdrawOffer", gas(), None))

    for n in (1, 10, 100):
        t = p.now() + 30 * 86_400
        p.post_offers(sup, [OfferSpec(S, 100 + i, 120, 4_000, t) for i in range(n)])
        rows.append((f"postOffers batch of {n}, per offer", gas() // n, None))
    offers = p.post_offers(sup, [OfferSpec(S, 1_000, 120, 4_000, p.now() + 86_400) for _ in range(100)])
    for n in (1, 10, 100):
        p.propose_agreements(con, [(offers[i], 1, 3_600) for i in range(n)])
        rows.append((f"proposeAgreements batch of {n}, per proposal", gas() // n, None))

    leaver = p.new_account()
    p.register_firm(leaver, "Short-lived firm", 2, 0, 0, [], [])
    p.leave_registry(leaver)
    rows.append(("leaveRegistry", gas(), None))
    return rows


def main() -> int:
    rows = measure()
    width = max(len(r[0]) for r in rows)
    print(f"{'operation':<{width}}  {'gas':>9}  {'target':>9}  verdict")
    print("-" * (width + 32))
    failed = 0
    for name, gas, target in rows:
        verdict = "" if target is None else ("ok" if gas <= target else "OVER")
        failed += verdict == "OVER"
        tgt = "" if target is None else f"{target:,}"
        print(f"{name:<{width}}  {gas:>9,}  {tgt:>9}  {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
