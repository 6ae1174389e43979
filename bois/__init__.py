"""BOIS: blockchain-based online information sharing for industrial-symbiosis multi-energy systems.

The small public API::

    from bois import ChainPlatform, Platform, EnergyForm, FirmStatus, OfferQuery, errors

``import bois`` is cheap: the web3-heavy modules (``ChainPlatform``, ``EmbeddedChain``,
``RpcChain``, ``deploy``) are imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import errors
from .platform import Event, Platform, Role, TxStats, search_all
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
)

if TYPE_CHECKING:  # pragma: no cover
    from .chain import EmbeddedChain, RpcChain
    from .chain_platform import ChainPlatform, OfferSpec
    from .deploy import Deployment, deploy, load_manifest, write_manifest

_LAZY = {
    "ChainPlatform": "chain_platform",
    "OfferSpec": "chain_platform",
    "EmbeddedChain": "chain",
    "RpcChain": "chain",
    "Deployment": "deploy",
    "deploy": "deploy",
    "load_manifest": "deploy",
    "write_manifest": "deploy",
    "MemoryPlatform": "memory",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'bois' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "Agreement",
    "AgreementState",
    "ChainPlatform",
    "Deployment",
    "EmbeddedChain",
    "EnergyForm",
    "Event",
    "Firm",
    "FirmStatus",
    "MemoryPlatform",
    "Offer",
    "OfferMatch",
    "OfferQuery",
    "OfferSpec",
    "OfferStatus",
    "Platform",
    "Role",
    "RpcChain",
    "SearchPage",
    "TxStats",
    "deploy",
    "errors",
    "load_manifest",
    "search_all",
    "write_manifest",
]
