# Two commands do all the set-up: `make run` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SCENARIO ?= scenarios/border-2018.yaml

.PHONY: run test lint fmt bench clean

# Re-install whenever the project's metadata changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/mobilize validate $(SCENARIO)
	$(BIN)/mobilize plan $(SCENARIO)
	$(BIN)/mobilize demo run --scenario $(SCENARIO)

# The PostgreSQL tests run whenever a server answers on 127.0.0.1:5432, on a throwaway
# database; PYTEST_ARGS narrows the run (e.g. PYTEST_ARGS="tests/jobs -x"). Two pytest
# workers, a file each at a time (module fixtures such as the browser are shared within a
# file); TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2
test: $(STAMP)
	.ci/with-test-database $(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

fmt: $(STAMP)
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/scenario_io.py
	$(BIN)/python benchmarks/planner.py
	$(BIN)/python benchmarks/passes.py
	$(BIN)/python benchmarks/pages.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
