"""Fixtures of the property-based layer: one deployed chain for the whole session.

The chain is deployed once, the actor accounts are created (and funded) once, and a
snapshot is taken; each hypothesis example reverts to that snapshot, so an example
costs only its own transactions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

N_ACTORS = 5  # accounts besides the admin


@dataclass
class ChainBase:
    platform: Any  # bois.chain_platform.ChainPlatform
    actors: list[str]  # chain addresses; index 0 is the admin
    snapshot: Any


@pytest.fixture(scope="session")
def chain_base() -> ChainBase:
    from bois.chain_platform import ChainPlatform

    platform = ChainPlatform.embedded()
    actors = [platform.admin] + [platform.new_account() for _ in range(N_ACTORS)]
    return ChainBase(platform, actors, platform.snapshot())
