"""The shared behaviour suite of the platform: every test runs against every backend.

``platform`` is parametrised:

* ``memory`` - a fresh :class:`bois.memory.MemoryPlatform`;
* ``chain`` - :class:`bois.chain_platform.ChainPlatform` on the embedded eth-tester chain;
* ``anvil`` - the same client over JSON-RPC to a real node (:class:`bois.node.AnvilNode`,
  from the npm package pinned in package.json).

The chain backends are deployed once per session and reverted to a snapshot after each
test. Both chains have the same deterministic clock (genesis at
:data:`bois.chain.GENESIS_TIMESTAMP`, one block per transaction, +1 s per block). Tests use
only the :class:`bois.platform.Platform` protocol, so they say what *any* backend must do.

Chain time moves by at least a second per block, so tests never assert an exact
timestamp computed before a transaction: they use wide margins (validity horizons of
:data:`LONG` seconds, expiry by jumping well past the deadline) and compare timestamps
read back from the platform.

anvil missing (``npm ci`` not run) makes the anvil tests fail with that message; set
``BOIS_SKIP_ANVIL=1`` to skip them explicitly.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Iterator

import pytest

from bois.memory import MemoryPlatform
from bois.platform import Platform
from platform_helpers import ALL_FORMS, Firm, MakeFirm


@pytest.fixture(scope="session")
def chain_session() -> Any:
    """One deployed chain platform for the whole session."""
    from bois.chain_platform import ChainPlatform

    return ChainPlatform.embedded()


@pytest.fixture(scope="session")
def anvil_session() -> Iterator[Any]:
    """One anvil node and one deployment for the whole session."""
    if os.environ.get("BOIS_SKIP_ANVIL") == "1":
        pytest.skip("BOIS_SKIP_ANVIL=1")
    from bois.chain_platform import ChainPlatform
    from bois.node import AnvilNode

    with AnvilNode() as node:  # AnvilNotFound (a ChainError) says to run `npm ci`
        yield ChainPlatform.rpc(node.url)


@pytest.fixture(params=["memory", "chain", "anvil"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def platform(backend: str, request: pytest.FixtureRequest) -> Iterator[Platform]:
    if backend == "memory":
        yield MemoryPlatform()
        return
    p = request.getfixturevalue("chain_session" if backend == "chain" else "anvil_session")
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
