"""Every custom error the platform can raise is asserted, with its values, by this suite."""

from __future__ import annotations

import re
from pathlib import Path

from bois.errors import ERROR_SPECS

# Only reachable through AccessControl.renounceRole, which the Platform interface does not expose.
NOT_REACHABLE = {"AccessControlBadConfirmation"}


def test_every_error_is_exercised() -> None:
    here = Path(__file__).parent
    sources = "".join(p.read_text() for p in here.glob("test_platform_*.py") if p.name != Path(__file__).name)
    missing = [name for name in ERROR_SPECS if name not in NOT_REACHABLE and not re.search(rf"errors\.{name}\b", sources)]
    assert missing == []
