# Two entry points, each self-sufficient on a fresh Debian machine with
# python3 (3.11), node and npm:  `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP_PY   := $(VENV)/.stamp-installed
STAMP_NODE := node_modules/.stamp-installed
RESULTS ?= results/kalundborg

.PHONY: run test setup setup-node demo gas bench typecheck clean

setup: $(STAMP_PY)

$(STAMP_PY): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

setup-node: $(STAMP_NODE)

$(STAMP_NODE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The main job: the Kalundborg case study's systematic disruption sweep,
# business as usual vs BOIS on the embedded chain.
run: setup
	$(BIN)/bois simulate --case-study kalundborg --scenarios sweep --out $(RESULTS)

# Everything the tests need: pinned Python packages, pinned node tools
# (solc-js to check the committed artifacts).
test: setup setup-node
	$(BIN)/python -m pytest -q

demo: setup
	$(BIN)/bois demo

gas: setup
	$(BIN)/python scripts/gas_report.py

bench: setup
	$(BIN)/python scripts/benchmark.py

typecheck: setup
	$(BIN)/python -m mypy

clean:
	rm -rf $(VENV) node_modules results build
