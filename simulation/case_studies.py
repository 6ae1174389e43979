"""Case-study parks shipped with the package (``simulation/data/<name>.json``).

``load_case_study("kalundborg")`` returns the Kalundborg Symbiosis energy network; every
number in the file carries its source or an explicit assumption in a ``note``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from simulation.io import load_park
from simulation.network import Park

CASE_STUDIES: list[str] = ["kalundborg"]


def case_study_path(name: str) -> Path:
    """The data file of a case study."""
    key = name.strip().lower()
    if key not in CASE_STUDIES:
        raise ValueError(f"unknown case study {name!r}; known: {', '.join(CASE_STUDIES)}")
    return Path(str(resources.files("simulation") / "data" / f"{key}.json"))


def load_case_study(name: str) -> Park:
    """Load a shipped case study by name (see :data:`CASE_STUDIES`)."""
    return load_park(case_study_path(name))
