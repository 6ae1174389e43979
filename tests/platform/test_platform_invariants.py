"""The over-allocation invariant under many interleaved actions of several firms.

After every step: for each offer, the sum of the quantities of its live agreements (stored
ACTIVE: effective ACTIVE, SUSPENDED or EXPIRED) equals ``offer.reserved`` and
``reserved <= quantity``; each firm's ``live_agreements`` equals the number of live
agreements it is a party to.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from bois import errors
from bois.platform import Platform
from bois.types import LIVE_STATES, Agreement, AgreementState, EnergyForm, FirmStatus
from platform_helpers import HOUR, LONG, MakeFirm

STEPS = {"memory": 600, "chain": 90, "anvil": 90}
PROPOSED = frozenset({AgreementState.PROPOSED})


@pytest.mark.parametrize("seed", [1, 2])
def test_reserved_equals_live_sum(platform: Platform, backend: str, make_firm: MakeFirm, seed: int) -> None:
    rng = random.Random(seed)
    firms = [make_firm(x=10 * i) for i in range(5)]
    owner = {fid: acct for acct, fid in firms}
    offers: list[int] = []
    for i, (acct, _) in enumerate(firms[:3]):
        offers.append(platform.post_offer(acct, EnergyForm.STEAM, 1_000, 100, 4_000, platform.now() + 50 * LONG, i == 0))
        offers.append(platform.post_offer(acct, EnergyForm.ELECTRICITY, 700, 0, 9_000, platform.now() + 50 * LONG, False))
    supplier_of = {o: platform.offer(o).supplier_id for o in offers}
    views: dict[int, Agreement] = {}
    outcomes: Counter[str] = Counter()

    def pick(states: frozenset[AgreementState]) -> int:
        """An agreement id, mostly one whose last seen state is in ``states``."""
        wanted = sorted(i for i, a in views.items() if a.state in states)
        return rng.choice(wanted if wanted and rng.random() < 0.85 else sorted(views))

    def refresh(ids: list[int]) -> None:
        for i in ids:
            views[i] = platform.agreement(i)

    def check() -> None:
        live = [a for a in views.values() if a.state in LIVE_STATES]
        for o in offers:
            view = platform.offer(o)
            assert view.reserved == sum(a.quantity for a in live if a.offer_id == o)
            assert view.reserved <= view.quantity
        for acct, fid in firms:
            expected = sum(1 for a in live if fid in (a.supplier_id, a.consumer_id))
            assert platform.firm(fid).live_agreements == expected

    for step in range(STEPS[backend]):
        count_before = platform.agreement_count()
        touched: list[int] = []
        roll = rng.random()
        try:
            if roll < 0.35:  # propose
                consumer, cid = rng.choice(firms)
                offer = rng.choice(offers)
                op = "propose"
                platform.propose_agreement(consumer, offer, rng.choice([1, 100, 250, 400, 600, 1_000]), rng.choice([HOUR, 5 * HOUR, 50 * HOUR]))
            elif roll < 0.6 and views:  # accept (mostly by the supplier, sometimes by someone else)
                agreement_id = pick(PROPOSED)
                touched.append(agreement_id)
                sender = owner[views[agreement_id].supplier_id] if rng.random() < 0.85 else rng.choice(firms)[0]
                op = "accept"
                platform.accept_agreement(sender, agreement_id)
            elif roll < 0.72 and views:  # terminate by a party (or not)
                agreement_id = pick(LIVE_STATES | PROPOSED)
                touched.append(agreement_id)
                a = views[agreement_id]
                sender = owner[rng.choice([a.supplier_id, a.consumer_id, rng.choice(firms)[1]])]
                op = "terminate"
                platform.terminate_agreement(sender, agreement_id)
            elif roll < 0.78 and views:
                agreement_id = pick(PROPOSED)
                touched.append(agreement_id)
                op = "reject"
                platform.reject_agreement(owner[views[agreement_id].supplier_id], agreement_id)
            elif roll < 0.84 and views:  # close, mostly one that is live
                agreement_id = pick(LIVE_STATES)
                touched.append(agreement_id)
                op = "close"
                platform.close_agreement(firms[0][0], agreement_id)
            elif roll < 0.90:  # a supplier's disruption or recovery (disruptions are short)
                disrupted = [f for f in firms[:3] if platform.firm(f[1]).status == FirmStatus.DISRUPTED]
                acct, fid = rng.choice(disrupted if disrupted and rng.random() < 0.7 else firms[:3])
                status = platform.firm(fid).status
                op = "status"
                if status == FirmStatus.DISRUPTED:
                    platform.report_status(acct, fid, FirmStatus.RECOVERED)
                elif status == FirmStatus.RECOVERED and rng.random() < 0.5:
                    platform.report_status(acct, fid, FirmStatus.OPERATING)
                else:
                    platform.report_status(acct, fid, FirmStatus.DISRUPTED)
            elif roll < 0.95:  # resize an offer (may fall below its reservation)
                offer = rng.choice(offers)
                view = platform.offer(offer)
                op = "update"
                platform.update_offer(owner[supplier_of[offer]], offer, rng.choice([300, 700, 1_000, 1_500]), view.temperature_c, view.price, view.valid_until)
            else:
                op = "time"
                platform.advance_time(rng.choice([HOUR, 6 * HOUR]))
            outcomes[op + " ok"] += 1
        except errors.ContractError as e:
            outcomes[f"{op} {type(e).__name__}"] += 1
        touched.extend(range(count_before + 1, platform.agreement_count() + 1))
        refresh(touched)
        if step % 15 == 0:
            refresh(list(views))
        check()
    refresh(list(views))
    check()
    # the sequence exercised the interesting paths
    assert outcomes["accept ok"] > 3 and outcomes["terminate ok"] > 1
    if backend == "memory":
        assert outcomes["accept OfferOverAllocated"] > 0 and outcomes["close ok"] > 0
