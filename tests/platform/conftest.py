"""The shared behaviour suite of the platform: every test runs against every backend.

``platform`` is parametrised ``memory`` (a fresh :class:`bois.memory.MemoryPlatform`)
and ``chain`` (:class:`bois.chain_platform.ChainPlatform` on the embedded eth-tester
chain, deployed once per session and reverted to a snapshot after each test). Tests use
only the :class:`bois.platform.Platform` protocol, so they say what *any* backend must do.

Chain time moves by at least a second per block, so tests never assert an exact
timestamp computed before a transaction: they use wide margins (validity horizons of
:data:`LONG` seconds, expiry by jumping well past the deadline) and compare timestamps
read back from the platform.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

from bois.memory import MemoryPlatform
from bois.platform import Platform
from platform_helpers import ALL_FORMS, Firm, MakeFirm


@pytest.fixture(scope="session")
def chain_session() -> Any:
    """One deployed chain platform for the whole session (skipped until it exists)."""
    mod = pytest.importorskip("bois.chain_platform", reason="bois.chain_platform not available yet")
    return mod.ChainPlatform.embedded()


@pytest.fixture(params=["memory", "chain"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def platform(backend: str, request: pytest.FixtureRequest) -> Iterator[Platform]:
    if backend == "memory":
        yield MemoryPlatform()
        return
    p = request.getfixturevalue("chain_session")
    snap = p.snapshot()
    try:
        yield p
    finally:
        p.revert(snap)


@pytest.fixture
def make_firm(platform: Platform) -> MakeFirm:
    """``make_firm(supplies=..., needs=..., x=0, y=0, sector=1, name=None)`` -> (account, firm id)."""

    def make(
        supplies: Any = ALL_FORMS,
        needs: Any = ALL_FORMS,
        x: int = 0,
        y: int = 0,
        sector: int = 1,
        name: str | None = None,
    ) -> Firm:
        account = platform.new_account()
        firm_id = platform.register_firm(account, name or f"firm {account[2:10]}", sector, x, y, supplies, needs)
        return account, firm_id

    return make


@pytest.fixture
def firms(make_firm: MakeFirm) -> list[Firm]:
    """Three registered firms supplying and needing every form, at x = 0, 100, 200."""
    return [make_firm(x=100 * i) for i in range(3)]
