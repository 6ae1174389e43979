"""Fixtures for the chain backend: one deployment per session, snapshot/revert per test."""

from __future__ import annotations

from typing import Iterator

import pytest

from bois.chain_platform import ChainPlatform


@pytest.fixture(scope="session")
def session_platform() -> ChainPlatform:
    return ChainPlatform.embedded()


@pytest.fixture
def chain_platform(session_platform: ChainPlatform) -> Iterator[ChainPlatform]:
    snap = session_platform.snapshot()
    try:
        yield session_platform
    finally:
        session_platform.revert(snap)
