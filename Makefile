# Every target creates its own virtualenv, so each works on a fresh machine with Python 3.11.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest fuzz bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## The main job: answer a question about the bundled penguins table with a p-SQL plan.
demo: $(STAMP)
	$(VENV)/bin/pesql fmt examples/plans/penguins_gap.psql
	$(VENV)/bin/pesql run examples/plans/penguins_gap.psql --table penguins=examples/tables/penguins.csv

## Lint, type-check (mypy strict) and run the whole test suite.
test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	rm -rf build/typecheck && mkdir -p build/typecheck/pesql
	for f in pesql/*.py; do ln -s "$(CURDIR)/$$f" build/typecheck/pesql/; done
	for d in grammar compiler runtime; do ln -s "$(CURDIR)/$$d" build/typecheck/pesql/$$d; done
	cd build/typecheck && $(CURDIR)/$(VENV)/bin/mypy --config-file $(CURDIR)/pyproject.toml -p pesql

pytest: $(STAMP)
	$(VENV)/bin/pytest -q

## Longer property-based runs (thousands of examples per property).
fuzz: $(STAMP)
	PESQL_HYPOTHESIS_PROFILE=fuzz $(VENV)/bin/pytest -q -m "not corpora" tests

## Regenerate docs derived from the code (the tests fail when they are stale).
docs: $(STAMP)
	$(PY) -m pesql.grammar.reference > docs/language.md

## Full benchmarks (manual; see docs/benchmarks.md). `bench-smoke` is what CI runs via the tests.
bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .hypothesis
