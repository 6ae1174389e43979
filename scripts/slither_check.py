"""Static analysis of contracts/ with slither; fails on any High or Medium finding.

Run it with the tool environment's Python (``make slither`` creates ``.venv-tools``):

    .venv-tools/bin/python scripts/slither_check.py [--config slither.config.json] [--json build/slither/findings.json]

slither-analyzer needs web3 < 8, so it cannot live in the project's ``.venv``. This script
compiles exactly what ``bois compile`` compiles: the solc standard-JSON input of
``bois.compiler.standard_input()`` (every file under contracts/, the @openzeppelin remapping,
evmVersion, optimizer runs, viaIR) with the binary ``bois.compiler.find_solc()`` picks
(``BOIS_SOLC``, a native solc of the pinned version, or the node stand-in ``scripts/solc``).

``slither.config.json`` holds the slither options (standard slither config keys, so the plain
``slither`` command reads the same file): ``filter_paths`` (findings only in OpenZeppelin are
dropped), ``detectors_to_exclude``, ``exclude_*`` and ``fail_on`` (``high``, ``medium``, ``low``,
``pedantic`` or ``none``; default here ``medium``). Findings silenced in the code with
``// slither-disable-next-line <detector>`` are not reported.

Prints one table of findings ordered by impact, then a summary line; exits 1 when a finding
at or above the ``fail_on`` level remains, 2 when the analysis itself could not run.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import types
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
IMPACTS = ["High", "Medium", "Low", "Informational", "Optimization"]
FAIL_LEVELS = {  # fail_on -> impacts that fail the run
    "high": {"High"},
    "medium": {"High", "Medium"},
    "low": {"High", "Medium", "Low"},
    "pedantic": set(IMPACTS),
    "none": set(),
}


def load_compiler_module() -> Any:
    """``bois.compiler`` without running ``bois/__init__`` (whose imports need the project's .venv)."""
    if "bois" not in sys.modules:
        package = types.ModuleType("bois")
        package.__path__ = [str(ROOT / "bois")]
        sys.modules["bois"] = package
    return importlib.import_module("bois.compiler")


def read_config(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise SystemExit(f"slither config {path} not found")
    config = json.loads(path.read_text(encoding="utf-8"))
    fail_on = str(config.get("fail_on", "medium")).lower()
    if fail_on not in FAIL_LEVELS:
        raise SystemExit(f"{path}: fail_on={fail_on!r}, expected one of {sorted(FAIL_LEVELS)}")
    config["fail_on"] = fail_on
    return config


def run_slither(config: dict[str, Any]) -> tuple[list[dict[str, Any]], str, str]:
    """Compile with the project's settings and run every detector; returns (findings, solc, version)."""
    from crytic_compile import CryticCompile
    from crytic_compile.platform.solc_standard_json import SolcStandardJson
    from slither import Slither
    from slither.__main__ import get_detectors_and_printers

    compiler = load_compiler_module()
    solc = compiler.find_solc()
    solc_input = compiler.standard_input()
    # crytic-compile asks for the AST and source maps it needs when outputSelection is absent.
    solc_input["settings"].pop("outputSelection", None)
    compilation = CryticCompile(
        SolcStandardJson(solc_input), solc=solc, solc_working_dir=str(ROOT), solc_disable_warnings=True
    )

    filter_paths = config.get("filter_paths") or ""
    slither = Slither(
        compilation,
        filter_paths=[p for p in filter_paths.split(",") if p],
        exclude_dependencies=bool(config.get("exclude_dependencies", False)),
    )
    detectors, _printers = get_detectors_and_printers()
    excluded = {d.strip() for d in (config.get("detectors_to_exclude") or "").split(",") if d.strip()}
    skipped_impacts = {impact for impact in IMPACTS if config.get(f"exclude_{impact.lower()}", False)}
    for detector in detectors:
        if detector.ARGUMENT in excluded:
            continue
        if detector.IMPACT.name.capitalize() in skipped_impacts:
            continue
        slither.register_detector(detector)
    findings = [finding for per_detector in slither.run_detectors() for finding in per_detector]
    return findings, solc, compilation.compilation_units[next(iter(compilation.compilation_units))].compiler_version.version


def location(finding: dict[str, Any]) -> str:
    for element in finding.get("elements", []):
        mapping = element.get("source_mapping") or {}
        if mapping.get("filename_relative") and mapping.get("lines"):
            return f"{mapping['filename_relative']}:{mapping['lines'][0]}"
    return "?"


def summarize(findings: list[dict[str, Any]]) -> dict[str, Any]:
    by_impact = Counter(f["impact"] for f in findings)
    by_detector = Counter((f["impact"], f["check"]) for f in findings)
    return {
        "total": len(findings),
        "by_impact": {impact: by_impact.get(impact, 0) for impact in IMPACTS},
        "by_detector": [
            {"impact": impact, "detector": check, "count": n}
            for (impact, check), n in sorted(by_detector.items(), key=lambda kv: (IMPACTS.index(kv[0][0]), kv[0][1]))
        ],
    }


def print_table(findings: list[dict[str, Any]]) -> None:
    rows = sorted(findings, key=lambda f: (IMPACTS.index(f["impact"]), f["check"], location(f)))
    if not rows:
        return
    headers = ("impact", "confidence", "detector", "where", "finding")
    table = [
        (f["impact"], f["confidence"], f["check"], location(f), " ".join(f["description"].split())[:140])
        for f in rows
    ]
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(headers[:-1])]
    line = "  ".join(h.ljust(w) for h, w in zip(headers[:-1], widths)) + "  " + headers[-1]
    print(line)
    print("-" * min(len(line) + 60, 200))
    for r in table:
        print("  ".join(c.ljust(w) for c, w in zip(r[:-1], widths)) + "  " + r[-1])
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=ROOT / "slither.config.json")
    parser.add_argument("--json", type=Path, default=None, help="also write the findings and summary here")
    args = parser.parse_args(argv)
    config = read_config(args.config)

    try:
        findings, solc, version = run_slither(config)
    except Exception as exc:  # compilation or analysis failure: say so, do not pass silently
        print(f"slither: analysis failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2

    summary = summarize(findings)
    failing_impacts = FAIL_LEVELS[config["fail_on"]]
    failing = [f for f in findings if f["impact"] in failing_impacts]
    print(f"slither on contracts/ with {solc} (solc {version}), config {args.config.name}")
    print_table(findings)
    counts = ", ".join(f"{impact} {n}" for impact, n in summary["by_impact"].items())
    print(f"slither findings: {counts} (fail on: {config['fail_on']})")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps({"summary": summary, "findings": findings}, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
    if failing:
        print(f"slither: FAILED, {len(failing)} finding(s) at or above {config['fail_on']}", file=sys.stderr)
        return 1
    print("slither: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
