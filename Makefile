# o4o: the two commands a new user needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PARTICIPANTS ?= 2000
SEED ?= 42
BENCH_SCALES ?= 10000 100000 1000000
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := False

.PHONY: setup setup-spark demo refresh test test-slow test-spark bench ui validate docs docs-serve clean

$(BIN)/o4o: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/o4o

setup: $(BIN)/o4o  ## create .venv and install o4o with its pinned stack

# COALITION=3: also an example data-sharing agreement among 3 boards, one mart file per board (docs/coalition.md)
demo: setup  ## generate synthetic feeds into data/landing and run the nightly refresh (demo PII key)
	$(BIN)/o4o generate --out data/landing --participants $(PARTICIPANTS) --seed $(SEED) $(if $(COALITION),--coalition $(COALITION))
	$(if $(COALITION),O4O_COALITION_FILE=data/landing/coalition.yml) $(BIN)/o4o refresh --demo
	@echo "published mart: data/mart.duckdb (open read-only); Dagster UI: make ui -> http://127.0.0.1:3000"

refresh: setup  ## run the nightly refresh on O4O_LANDING_DIR (needs O4O_PII_KEY)
	$(BIN)/o4o refresh

test: setup  ## the test suite (real DuckDB, dbt, Dagster, GX); slow tests excluded
	$(BIN)/python -m pytest

test-slow: setup
	$(BIN)/python -m pytest -m slow

setup-spark: setup  ## add the optional spark dbt target: dbt-spark with local PySpark (large; needs Java 17+)
	$(BIN)/pip install --quiet -e '.[dev,spark]'

test-spark: setup-spark  ## build and test the dbt project on Spark, compared with DuckDB (docs/engines.md)
	$(BIN)/python -m pytest -m slow tests/test_engines.py

bench: setup  ## full refresh per stage vs the DuckDB floor and the pandas peer, plus an incremental quarter (docs/benchmarks.md)
	$(BIN)/python -m benchmarks.run --scales $(BENCH_SCALES)

# The demo key only when no real key is set: O4O_PII_KEY beside O4O_DEMO=1 is refused (settings.py).
ui: setup  ## Dagster UI with run history kept under data/dagster_home; demo key unless O4O_PII_KEY is set (docs/operations.md)
	mkdir -p data/dagster_home
	test -f data/dagster_home/dagster.yaml || printf 'telemetry:\n  enabled: false\n' > data/dagster_home/dagster.yaml
	PATH=$(CURDIR)/$(BIN):$$PATH DAGSTER_HOME=$(CURDIR)/data/dagster_home \
	  O4O_DEMO=$${O4O_DEMO:-$$([ -n "$${O4O_PII_KEY:-}" ] && echo 0 || echo 1)} $(BIN)/dagster dev -h 127.0.0.1 -p 3000

# dbt's documentation site (models, columns, tests, lineage) into target/; the catalog (column types)
# comes from O4O_WAREHOUSE_PATH when it exists. Serve it: `make docs-serve` (docs/operations.md).
docs: setup  ## build the dbt docs site into target/ (index.html, manifest.json, catalog.json)
	if [ -f "$${O4O_WAREHOUSE_PATH:-data/warehouse.duckdb}" ]; then $(BIN)/dbt docs generate --project-dir . --profiles-dir .; \
	else tmp=$$(mktemp -d) && O4O_WAREHOUSE_PATH=$$tmp/empty.duckdb $(BIN)/dbt docs generate --project-dir . --profiles-dir . \
	  --empty-catalog; status=$$?; rm -rf "$$tmp"; exit $$status; fi
	@echo "dbt docs built in target/: serve them with 'make docs-serve' -> http://127.0.0.1:8080"

docs-serve: docs  ## serve the dbt docs site on http://127.0.0.1:8080
	$(BIN)/dbt docs serve --project-dir . --profiles-dir . --host 127.0.0.1 --port 8080 --no-browser

validate: setup
	$(BIN)/dbt parse --quiet --project-dir . --profiles-dir .
	$(BIN)/dagster definitions validate

clean:
	rm -rf data target logs
