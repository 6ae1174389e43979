"""Python-side input checks shared by the backends and the index: the same message everywhere."""

from __future__ import annotations

from typing import Any

from . import errors


def check_uint(name: str, value: Any, maximum: int) -> int:
    """``value`` as an int in [0, maximum]; InvalidInput naming ``name`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.InvalidInput(f"{name} must be an int, got {value!r}")
    if value < 0 or value > maximum:
        raise errors.InvalidInput(f"{name} must be in [0, {maximum}], got {value}")
    return int(value)


def check_int(name: str, value: Any, bounds: tuple[int, int]) -> int:
    """``value`` as an int within ``bounds`` (inclusive); InvalidInput naming ``name`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.InvalidInput(f"{name} must be an int, got {value!r}")
    if value < bounds[0] or value > bounds[1]:
        raise errors.InvalidInput(f"{name} must be in [{bounds[0]}, {bounds[1]}], got {value}")
    return int(value)
