"""The platform interface over the Solidity contracts (see ``docs/platform.md``).

    platform = ChainPlatform.embedded()          # fresh in-process chain, contracts deployed
    alice = platform.new_account()
    firm = platform.register_firm(alice, "Refinery", 3, 0, 0, [EnergyForm.STEAM], [])

    platform = ChainPlatform.rpc("http://127.0.0.1:8545", key)   # a JSON-RPC node (deploys)
    platform = ChainPlatform.from_manifest(url_or_chain, "deployment.json", private_key=key)

Every state-changing method sends one transaction from ``sender`` (an account whose key
the chain holds), raises the :mod:`bois.errors` class of the contract's custom error when
it would revert (then nothing changes on chain: no block, no nonce, no time), records the
gas in :attr:`stats` and the decoded events in :attr:`last_events`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from eth_utils import keccak

from .chain import Chain, EmbeddedChain, RevertError, RpcChain, TxResult
from .codec import Codec
from .compiler import load_artifact
from .deploy import Deployment, check_deployment, deploy, load_manifest
from .errors import ChainError, InvalidInput
from .validate import check_int, check_uint
from .platform import DEFAULT_SEARCH_LIMIT, MAX_BATCH, Event, Role, TxStats
from .types import (
    Agreement,
    AgreementState,
    EnergyForm,
    Firm,
    FirmStatus,
    Offer,
    OfferMatch,
    OfferQuery,
    OfferStatus,
    SearchPage,
    mask_to_forms,
)

# Gas limits per function (measured use + margin; the preflight call reports a revert first).
GAS = {
    "registerFirm": 200_000,
    "reportStatus": 100_000,
    "leaveRegistry": 100_000,
    "postOffer": 160_000,
    "updateOffer": 120_000,
    "withdrawOffer": 80_000,
    "proposeAgreement": 260_000,
    "acceptAgreement": 160_000,
    "rejectAgreement": 80_000,
    "terminateAgreement": 120_000,
    "closeAgreement": 120_000,
    "recordDelivery": 120_000,
    "grantRole": 120_000,
    "revokeRole": 120_000,
}
BATCH_BASE_GAS = 80_000
BATCH_ITEM_GAS = {"postOffers": 60_000, "proposeAgreements": 150_000}
BLOCK_GAS_CAP = 29_000_000

UINT8, UINT32, UINT40, UINT64, UINT256 = 2**8 - 1, 2**32 - 1, 2**40 - 1, 2**64 - 1, 2**256 - 1


def _offer_of(offer_id: int, fields: Sequence[Any]) -> Offer:
    """An Offer from the contracts' field order (supplier, form, status, autoAccept,
    temperature, validUntil, price, quantity, reserved), as ``offer`` and the lens return it."""
    supplier, form, status, auto, temp, valid_until, price, quantity, reserved = fields
    return Offer(
        offer_id=offer_id,
        supplier_id=int(supplier),
        form=EnergyForm(int(form)),
        quantity=int(quantity),
        reserved=int(reserved),
        temperature_c=int(temp),
        price=int(price),
        valid_until=int(valid_until),
        auto_accept=bool(auto),
        status=OfferStatus(int(status)),
    )


_uint = check_uint


def _int(name: str, value: Any, bits: int) -> int:
    """A signed ``bits``-bit integer (the contract's intN), checked like every backend does."""
    return check_int(name, value, (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1))


def _form(name: str, value: Any) -> int:
    """An EnergyForm or a plain int 0..255, passed through unchanged (the contract checks it)."""
    return _uint(name, value, UINT8)


def _mask(name: str, forms: Iterable[Any]) -> int:
    if isinstance(forms, (str, bytes)) or not hasattr(forms, "__iter__"):
        raise InvalidInput(f"{name} must be an iterable of energy forms, got {forms!r}")
    mask = 0
    for f in forms:
        mask |= 1 << _uint(f"{name} form", f, 7)
    return mask


def _role_id(role: Role | str) -> bytes:
    name = role.value if isinstance(role, Role) else str(role)
    if name not in {r.value for r in Role}:
        raise InvalidInput(f"unknown role {role!r}; known: {[r.value for r in Role]}")
    return keccak(text=name)


@dataclass(frozen=True)
class OfferSpec:
    """One offer for :meth:`ChainPlatform.post_offers`."""

    form: EnergyForm | int
    quantity: int
    temperature_c: int
    price: int
    valid_until: int
    auto_accept: bool = False


class ChainPlatform:
    """:class:`bois.platform.Platform` over BoisPlatform + OfferSearch on a :class:`Chain`."""

    def __init__(self, chain: Chain, deployment: Deployment) -> None:
        self.chain = chain
        self.deployment = deployment
        self.address = deployment.platform
        self.search_address = deployment.search
        platform_abi = load_artifact("BoisPlatform").abi
        search_abi = load_artifact("OfferSearch").abi
        self.codec = Codec(platform_abi)
        self.search_codec = Codec(search_abi, platform_abi)
        self.stats = TxStats()
        self.last_events: list[Event] = []
        self.last_tx: TxResult | None = None
        self._names: dict[int, str] = {}
        self._snapshots: dict[Any, dict[int, str]] = {}

    # ----- construction -----------------------------------------------------------------
    @classmethod
    def embedded(cls) -> "ChainPlatform":
        """A fresh in-process chain (eth-tester + py-evm) with the contracts deployed."""
        chain = EmbeddedChain()
        return cls(chain, deploy(chain))

    @classmethod
    def rpc(
        cls, url: str, private_key: bytes | str | None = None, manifest: Deployment | str | Path | None = None, **options: Any
    ) -> "ChainPlatform":
        """The platform on a JSON-RPC node: deploys fresh, or attaches to ``manifest``'s deployment.

        ``private_key`` signs as the deployer/admin (``None``: anvil's first dev account, only on
        chain id 31337); ``options`` go to :class:`bois.chain.RpcChain` (poll_interval, preflight, ...).
        Raises :class:`bois.chain.NodeUnreachable` when nothing answers at ``url``.
        """
        chain = RpcChain(url, private_key, **options)
        if manifest is not None:
            return cls.from_manifest(chain, manifest)
        return cls(chain, deploy(chain))

    @classmethod
    def from_manifest(cls, chain: Chain | str, manifest: Deployment | str | Path, **options: Any) -> "ChainPlatform":
        """Attach to an existing deployment; checks the chain id and the code at the addresses.

        ``chain`` is a :class:`Chain` or a JSON-RPC URL (then ``options`` go to RpcChain, e.g.
        ``private_key``). Raises :class:`bois.deploy.WrongChain` / :class:`bois.deploy.MissingContracts`.
        """
        deployment = manifest if isinstance(manifest, Deployment) else load_manifest(manifest)
        if isinstance(chain, str):
            chain = RpcChain(chain, **options)
        check_deployment(chain, deployment)
        return cls(chain, deployment)

    # ----- plumbing -------------------------------------------------------------------------
    def _send(self, sender: str, function: str, *args: Any, gas: int | None = None) -> list[Event]:
        self.last_events = []
        data = self.codec.encode_call(function, *args)
        try:
            result = self.chain.transact(sender, self.address, data, gas or GAS[function])
        except RevertError as exc:
            raise self.codec.decode_error(exc.data) from None
        events = [e for e in (self.codec.decode_log(log.topics, log.data) for log in result.logs) if e is not None]
        self.stats.add(function, result.gas_used)
        self.last_events = events
        self.last_tx = result
        return events

    def _call(self, function: str, *args: Any) -> tuple[Any, ...]:
        try:
            out = self.chain.call(self.address, self.codec.encode_call(function, *args))
        except RevertError as exc:
            raise self.codec.decode_error(exc.data) from None
        return self.codec.decode_output(function, out)

    @staticmethod
    def _event_arg(events: list[Event], name: str, arg: str) -> int:
        for e in events:
            if e.name == name:
                return int(e.args[arg])
        raise ChainError(f"the transaction emitted no {name} event")

    # ----- accounts, time, snapshots ----------------------------------------------------------
    @property
    def admin(self) -> str:
        return self.deployment.deployer

    def new_account(self) -> str:
        return self.chain.new_account()

    def now(self) -> int:
        return self.chain.now()

    def advance_time(self, seconds: int) -> None:
        self.chain.advance_time(_uint("seconds", seconds, UINT40))

    def snapshot(self) -> Any:
        snap = self.chain.snapshot()
        self._snapshots[snap] = dict(self._names)
        return snap

    def revert(self, snapshot_id: Any) -> None:
        self.chain.revert(snapshot_id)
        self._names = dict(self._snapshots.get(snapshot_id, {}))
        self.last_events = []

    def grant_role(self, sender: str, role: Role, account: str) -> None:
        self._send(sender, "grantRole", _role_id(role), account)

    def revoke_role(self, sender: str, role: Role, account: str) -> None:
        self._send(sender, "revokeRole", _role_id(role), account)

    def has_role(self, role: Role, account: str) -> bool:
        return bool(self._call("hasRole", _role_id(role), account)[0])

    # ----- physical layer ------------------------------------------------------------------
    def register_firm(
        self,
        sender: str,
        name: str,
        sector: int,
        x_m: int,
        y_m: int,
        supplies: Iterable[EnergyForm],
        needs: Iterable[EnergyForm],
    ) -> int:
        if not isinstance(name, str):
            raise InvalidInput(f"name must be a string, got {name!r}")
        events = self._send(
            sender,
            "registerFirm",
            name,
            _uint("sector", sector, UINT8),
            _int("x_m", x_m, 32),
            _int("y_m", y_m, 32),
            _mask("supplies", supplies),
            _mask("needs", needs),
        )
        firm_id = self._event_arg(events, "FirmRegistered", "firmId")
        self._names[firm_id] = name
        return firm_id

    def report_status(self, sender: str, firm_id: int, status: FirmStatus) -> None:
        self._send(sender, "reportStatus", _uint("firm_id", firm_id, UINT32), _uint("status", status, UINT8))

    def leave_registry(self, sender: str) -> None:
        self._send(sender, "leaveRegistry")

    def firm(self, firm_id: int) -> Firm:
        fid = _uint("firm_id", firm_id, UINT32)
        owner, status, sector, supplies, needs, x, y, live, registered_block = self._call("firm", fid)
        return Firm(
            firm_id=fid,
            owner=owner,
            name=self._firm_name(fid, int(registered_block)),
            sector=int(sector),
            x_m=int(x),
            y_m=int(y),
            supplies=mask_to_forms(int(supplies)),
            needs=mask_to_forms(int(needs)),
            status=FirmStatus(int(status)),
            live_agreements=int(live),
        )

    def _firm_name(self, firm_id: int, block: int) -> str:
        name = self._names.get(firm_id)
        if name is None:
            for log in self.chain.logs(self.address, block, block):
                event = self.codec.decode_log(log.topics, log.data)
                if event and event.name == "FirmRegistered" and event.args["firmId"] == firm_id:
                    name = str(event.args["name"])
                    break
            if name is None:
                raise ChainError(f"no FirmRegistered event for firm {firm_id} in block {block}")
            self._names[firm_id] = name
        return name

    def firm_id_of(self, account: str) -> int:
        return int(self._call("firmIdOf", account)[0])

    def firm_count(self) -> int:
        return int(self._call("firmCount")[0])

    # ----- searching layer ---------------------------------------------------------------------
    def post_offer(
        self,
        sender: str,
        form: EnergyForm,
        quantity: int,
        temperature_c: int,
        price: int,
        valid_until: int,
        auto_accept: bool = False,
    ) -> int:
        events = self._send(sender, "postOffer", *self._offer_args(form, quantity, temperature_c, price, valid_until, auto_accept))
        return self._event_arg(events, "OfferPosted", "offerId")

    @staticmethod
    def _offer_args(
        form: Any, quantity: int, temperature_c: int, price: int, valid_until: int, auto_accept: bool
    ) -> tuple[int, int, int, int, int, bool]:
        return (
            _form("form", form),
            _uint("quantity", quantity, UINT64),
            _int("temperature_c", temperature_c, 16),
            _uint("price", price, UINT40),
            _uint("valid_until", valid_until, UINT40),
            bool(auto_accept),
        )

    def post_offers(self, sender: str, offers: Sequence[OfferSpec | tuple[Any, ...]]) -> list[int]:
        """Post several offers in one transaction (at most 256, all or nothing); returns their ids."""
        items = [o if isinstance(o, OfferSpec) else OfferSpec(*o) for o in offers]
        encoded = [
            self._offer_args(o.form, o.quantity, o.temperature_c, o.price, o.valid_until, o.auto_accept) for o in items
        ]
        gas = min(BLOCK_GAS_CAP, BATCH_BASE_GAS + BATCH_ITEM_GAS["postOffers"] * min(len(items), MAX_BATCH + 1))
        events = self._send(sender, "postOffers", encoded, gas=gas)
        return [int(e.args["offerId"]) for e in events if e.name == "OfferPosted"]

    def update_offer(
        self, sender: str, offer_id: int, quantity: int, temperature_c: int, price: int, valid_until: int
    ) -> None:
        self._send(
            sender,
            "updateOffer",
            _uint("offer_id", offer_id, UINT256),
            _uint("quantity", quantity, UINT64),
            _int("temperature_c", temperature_c, 16),
            _uint("price", price, UINT40),
            _uint("valid_until", valid_until, UINT40),
        )

    def withdraw_offer(self, sender: str, offer_id: int) -> None:
        self._send(sender, "withdrawOffer", _uint("offer_id", offer_id, UINT256))

    def offer(self, offer_id: int) -> Offer:
        oid = _uint("offer_id", offer_id, UINT256)
        return _offer_of(oid, self._call("offer", oid))

    def offer_count(self) -> int:
        return int(self._call("offerCount")[0])

    def search_offers(self, query: OfferQuery, cursor: int = 0, limit: int = DEFAULT_SEARCH_LIMIT) -> SearchPage:
        data = self.search_codec.encode_call(
            "search",
            _form("form", query.form),
            _uint("min_quantity", query.min_quantity, UINT64),
            _int("min_temperature_c", query.min_temperature_c, 16),
            _uint("max_distance_m", query.max_distance_m, UINT64),
            _int("x_m", query.x_m, 32),
            _int("y_m", query.y_m, 32),
            _uint("cursor", cursor, UINT256),
            _uint("limit", limit, UINT256),
        )
        try:
            out = self.chain.call(self.search_address, data, gas=BLOCK_GAS_CAP * 10)
        except RevertError as exc:
            raise self.search_codec.decode_error(exc.data) from None
        rows, distances, next_cursor = self.search_codec.decode_output("search", out)
        matches = []
        for row, distance in zip(rows, distances):
            matches.append(OfferMatch(_offer_of(int(row[0]), row[1:10]), int(distance)))
        return SearchPage(matches, int(next_cursor))

    # ----- execution layer -----------------------------------------------------------------------
    def propose_agreement(self, sender: str, offer_id: int, quantity: int, duration_s: int) -> int:
        events = self._send(
            sender,
            "proposeAgreement",
            _uint("offer_id", offer_id, UINT256),
            _uint("quantity", quantity, UINT64),
            _uint("duration_s", duration_s, UINT40),
        )
        return self._event_arg(events, "AgreementProposed", "agreementId")

    def propose_agreements(self, sender: str, proposals: Sequence[tuple[int, int, int]]) -> list[int]:
        """Propose several agreements in one transaction (at most 256, all or nothing); returns their ids."""
        encoded = [
            (_uint("offer_id", o, UINT256), _uint("quantity", q, UINT64), _uint("duration_s", d, UINT40))
            for o, q, d in proposals
        ]
        gas = min(BLOCK_GAS_CAP, BATCH_BASE_GAS + BATCH_ITEM_GAS["proposeAgreements"] * min(len(encoded), MAX_BATCH + 1))
        events = self._send(sender, "proposeAgreements", encoded, gas=gas)
        return [int(e.args["agreementId"]) for e in events if e.name == "AgreementProposed"]

    def accept_agreement(self, sender: str, agreement_id: int) -> None:
        self._send(sender, "acceptAgreement", _uint("agreement_id", agreement_id, UINT256))

    def reject_agreement(self, sender: str, agreement_id: int) -> None:
        self._send(sender, "rejectAgreement", _uint("agreement_id", agreement_id, UINT256))

    def terminate_agreement(self, sender: str, agreement_id: int) -> None:
        self._send(sender, "terminateAgreement", _uint("agreement_id", agreement_id, UINT256))

    def close_agreement(self, sender: str, agreement_id: int) -> None:
        self._send(sender, "closeAgreement", _uint("agreement_id", agreement_id, UINT256))

    def record_delivery(self, sender: str, agreement_id: int, quantity: int) -> None:
        self._send(
            sender,
            "recordDelivery",
            _uint("agreement_id", agreement_id, UINT256),
            _uint("quantity", quantity, UINT64),
        )

    def agreement(self, agreement_id: int) -> Agreement:
        aid = _uint("agreement_id", agreement_id, UINT256)
        offer_id, supplier, consumer, quantity, price, state, started, ends, duration, delivered = self._call(
            "agreement", aid
        )
        return Agreement(
            agreement_id=aid,
            offer_id=int(offer_id),
            supplier_id=int(supplier),
            consumer_id=int(consumer),
            quantity=int(quantity),
            price=int(price),
            state=AgreementState(int(state)),
            started_at=int(started),
            ends_at=int(ends),
            duration_s=int(duration),
            delivered=int(delivered),
        )

    def agreement_count(self) -> int:
        return int(self._call("agreementCount")[0])


__all__ = ["ChainPlatform", "OfferSpec", "GAS"]
