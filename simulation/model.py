"""The physical model: Leontief operating levels, cascading supply losses and backups.

Per one-hour step, given each firm's capacity factor ``cap`` (1 when operating, 0 when
fully disrupted, ``1 - fraction`` when partly disrupted) and the set of energy links
(the park's baseline exchanges plus any substitute links that recovery established):

* a supplier's output of form f is ``level_s * O[s,f]``; its links of form f share it
  in proportion to their contracted MW, never above contract:
  ``flow_e = c_e * min(1, level_s * O[s,f] / C[s,f])`` with ``C[s,f]`` the contracted total;
* a consumer's symbiotic supply of f is the sum of its in-flows ``sym[i,f]``; the part of
  its baseline symbiotic supply ``S[i,f]`` that is lost can be replaced by a backup
  utility, up to ``max_share * S[i,f]``, once ``delay_steps`` have passed since the
  shortfall began; the rest of its demand ``U = D - S`` comes from utilities as at baseline;
* its level is the Leontief minimum ``min(cap_i, min_f (U + sym + backup) / D)``.

Levels, flows and backups are solved together as the greatest fixed point, iterating
from ``level = cap`` downwards (the map is monotone, so the iteration converges): a
consumer that loses input runs lower, its own outputs drop, and so on until nothing
changes. This is the cascade.

Reported per step: the served fraction ``P(t) = sum min(sym, S*cap) / sum S*cap``
(symbiotic demand served by symbiotic exchanges, baseline and substitute; a firm that is
itself disrupted needs proportionally less), unmet energy
``sum max(0, S*cap - sym - backup)`` MWh, and backup energy with its cost and CO2.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bois.types import EnergyForm

from .network import Park

EPS = 1e-9
MAX_ITERATIONS = 10_000
TOLERANCE = 1e-10


@dataclass(frozen=True)
class Link:
    """A substitute energy link established by recovery (MW, contracted)."""

    supplier: str
    consumer: str
    form: EnergyForm
    mw: float
    start_step: int  # first step the energy flows
    agreement_id: int = 0  # on-chain agreement behind it (BOIS), 0 otherwise


@dataclass
class StepState:
    """The solved state of one step (arrays indexed like :class:`ParkModel`'s)."""

    level: np.ndarray  # per firm
    sym: np.ndarray  # per demand slot, MW of symbiotic supply
    backup: np.ndarray  # per demand slot, MW of backup
    shortfall: np.ndarray  # per demand slot, MW of symbiotic demand neither served nor backed up
    served_fraction: float
    unmet_mw: float
    backup_mw: float
    backup_cost_eur_h: float
    backup_co2_t_h: float
    substitute_mw: float
    link_flows: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per substitute link, MW


class ParkModel:
    """Array form of a :class:`Park` for fast fixed-point solving."""

    def __init__(self, park: Park) -> None:
        self.park = park
        self.firm_ids: list[str] = sorted(park.firms)
        self.index: dict[str, int] = {f: i for i, f in enumerate(self.firm_ids)}
        n = len(self.firm_ids)
        self.n = n

        # demand slots (firm, form)
        slot_firm: list[int] = []
        slot_form: list[int] = []
        demand: list[float] = []
        sym_base: list[float] = []
        self.slot_of: dict[tuple[str, EnergyForm], int] = {}
        for fid in self.firm_ids:
            spec = park.firms[fid]
            for form in sorted(spec.demands):
                self.slot_of[(fid, form)] = len(slot_firm)
                slot_firm.append(self.index[fid])
                slot_form.append(int(form))
                demand.append(spec.demands[form].mw)
                sym_base.append(park.symbiotic_supply(fid, form))
        self.slot_firm = np.array(slot_firm, dtype=np.int64)
        self.slot_form = np.array(slot_form, dtype=np.int64)
        self.D = np.array(demand, dtype=float)
        self.S = np.array(sym_base, dtype=float)
        self.U = self.D - self.S
        share = np.zeros(len(EnergyForm))
        delay = np.zeros(len(EnergyForm), dtype=np.int64)
        cost = np.zeros(len(EnergyForm))
        co2 = np.zeros(len(EnergyForm))
        for form, b in park.backups.items():
            share[int(form)] = b.max_share
            delay[int(form)] = b.delay_steps
            cost[int(form)] = b.cost_eur_per_mwh
            co2[int(form)] = b.co2_t_per_mwh
        self.backup_cap = share[self.slot_form] * self.S
        self.backup_delay = delay[self.slot_form]
        self.backup_cost = cost[self.slot_form]
        self.backup_co2 = co2[self.slot_form]

        # output slots (firm, form)
        out_firm: list[int] = []
        out_cap: list[float] = []
        self.out_slot_of: dict[tuple[str, EnergyForm], int] = {}
        for fid in self.firm_ids:
            spec = park.firms[fid]
            for form in sorted(spec.outputs):
                self.out_slot_of[(fid, form)] = len(out_firm)
                out_firm.append(self.index[fid])
                out_cap.append(spec.outputs[form].mw)
        self.out_firm = np.array(out_firm, dtype=np.int64)
        self.O = np.array(out_cap, dtype=float)

        # baseline exchanges
        e_out: list[int] = []
        e_slot: list[int] = []
        e_mw: list[float] = []
        for ex in park.exchanges():
            e_out.append(self.out_slot_of[(ex.supplier, ex.form)])
            e_slot.append(self.slot_of[(ex.consumer, ex.form)])
            e_mw.append(ex.mw)
        self.base_out = np.array(e_out, dtype=np.int64)
        self.base_slot = np.array(e_slot, dtype=np.int64)
        self.base_mw = np.array(e_mw, dtype=float)
        self.base_contracted = np.bincount(self.base_out, weights=self.base_mw, minlength=len(self.O))

    # ------------------------------------------------------------------------------
    def baseline_spare(self, firm_id: str, form: EnergyForm) -> float:
        o = self.out_slot_of.get((firm_id, form))
        if o is None:
            return 0.0
        return max(0.0, float(self.O[o] - self.base_contracted[o]))

    def solve(self, cap: np.ndarray, links: list[Link], backup_allowed: np.ndarray) -> StepState:
        """Solve one step: the greatest fixed point of levels, flows and backups."""
        if links:
            l_out = np.array([self.out_slot_of[(lk.supplier, lk.form)] for lk in links], dtype=np.int64)
            l_slot = np.array([self.slot_of[(lk.consumer, lk.form)] for lk in links], dtype=np.int64)
            l_mw = np.array([lk.mw for lk in links], dtype=float)
            e_out = np.concatenate([self.base_out, l_out])
            e_slot = np.concatenate([self.base_slot, l_slot])
            e_mw = np.concatenate([self.base_mw, l_mw])
        else:
            e_out, e_slot, e_mw = self.base_out, self.base_slot, self.base_mw
        n_slots = len(self.D)
        contracted = np.bincount(e_out, weights=e_mw, minlength=len(self.O))
        safe_contracted = np.where(contracted > 0, contracted, 1.0)
        bcap = np.where(backup_allowed, self.backup_cap, 0.0)
        demand_cap = self.S * cap[self.slot_firm]

        def supply(level: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
            """Link flows, symbiotic supply, lost supply and backup for given levels."""
            ratio = np.minimum(1.0, level[self.out_firm] * self.O / safe_contracted)
            flow = e_mw * ratio[e_out]
            sym = np.bincount(e_slot, weights=flow, minlength=n_slots)
            lost = np.maximum(0.0, self.S - sym)
            return flow, sym, lost, np.minimum(lost, bcap)

        level = cap.astype(float).copy()
        for _ in range(MAX_ITERATIONS):
            flow, sym, lost, backup = supply(level)
            r = np.minimum(1.0, (self.U + sym + backup) / self.D) if n_slots else np.zeros(0)
            new_level = cap.astype(float).copy()
            if n_slots:
                np.minimum.at(new_level, self.slot_firm, r)
            if np.max(np.abs(new_level - level), initial=0.0) <= TOLERANCE:
                level = new_level
                break
            level = new_level
        else:  # pragma: no cover - the map is monotone and bounded; reaching this is a bug
            raise RuntimeError("cascade fixed point did not converge")

        # Final quantities from the converged levels.
        flow, sym, lost, backup = supply(level)
        # What a firm still lacks of the symbiotic demand it has at its capacity.
        need_backup = np.minimum(lost, np.maximum(0.0, demand_cap - sym))
        backup = np.minimum(backup, need_backup)
        shortfall = np.maximum(0.0, demand_cap - sym - backup)
        total = float(demand_cap.sum())
        served = float(np.minimum(sym, demand_cap).sum())
        p = served / total if total > EPS else 1.0
        link_flows = flow[len(self.base_mw):]
        return StepState(
            level=level,
            sym=sym,
            backup=backup,
            shortfall=shortfall,
            served_fraction=min(1.0, p),
            unmet_mw=float(shortfall.sum()),
            backup_mw=float(backup.sum()),
            backup_cost_eur_h=float((backup * self.backup_cost).sum()),
            backup_co2_t_h=float((backup * self.backup_co2).sum()),
            substitute_mw=float(link_flows.sum()),
            link_flows=link_flows,
        )
