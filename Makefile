# Two entry points, each self-sufficient on a fresh Debian machine with
# python3 (3.11), node and npm:  `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
TOOLS  := .venv-tools
STAMP_PY    := $(VENV)/.stamp-installed
STAMP_NODE  := node_modules/.stamp-installed
STAMP_TOOLS := $(TOOLS)/.stamp-installed
RESULTS ?= results/kalundborg

.PHONY: run test setup setup-node setup-tools slither demo gas bench bench-backends typecheck clean

setup: $(STAMP_PY)

$(STAMP_PY): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

setup-node: $(STAMP_NODE)

$(STAMP_NODE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Static-analysis tools in their own venv: slither-analyzer 0.11.6 needs web3 < 8.
setup-tools: $(STAMP_TOOLS)

$(STAMP_TOOLS): tools-requirements.lock
	test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet -c tools-requirements.lock slither-analyzer
	touch $@

# The main job: the Kalundborg case study's systematic disruption sweep,
# business as usual vs BOIS on the embedded chain.
run: setup
	$(BIN)/bois simulate --case-study kalundborg --scenarios sweep --out $(RESULTS)

# Everything the tests need: pinned Python packages, pinned node tools
# (solc-js to check the committed artifacts), and slither on contracts/ first
# (fails on any High or Medium finding; see scripts/slither_check.py).
test: setup setup-node slither
	$(BIN)/python -m pytest -q

# Slither on contracts/ with the compiler settings of `bois compile`; prints every
# finding, fails on High/Medium (slither.config.json), JSON in build/slither/.
slither: setup-tools setup-node
	$(TOOLS)/bin/python scripts/slither_check.py --json build/slither/findings.json

demo: setup
	$(BIN)/bois demo

gas: setup
	$(BIN)/python scripts/gas_report.py

bench: setup
	$(BIN)/python scripts/benchmark.py

# Backends side by side: tx/s vs raw ceilings, 100-firm sweep on memory/embedded/anvil,
# search over 10,000 offers (index vs view). Needs anvil: npm ci.
bench-backends: setup setup-node
	$(BIN)/python scripts/bench_backends.py

typecheck: setup
	$(BIN)/python -m mypy

clean:
	rm -rf $(VENV) $(TOOLS) node_modules results build
