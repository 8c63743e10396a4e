# Two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
GENJIN_DB ?= data/demo.db
PORT ?= 8501
export GENJIN_DB

.PHONY: run test check lint bench stress backup base demo clean

$(VENV)/.app-installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.app-installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## make run: set up, create the demo base if none exists, serve http://localhost:8501
run: $(VENV)/.app-installed
	@test -f "$(GENJIN_DB)" || $(PY) -m db create --demo "$(GENJIN_DB)"
	$(VENV)/bin/streamlit run server.py --server.port $(PORT) --server.address localhost

## make test: set up with the test tools and run every test
test: $(VENV)/.dev-installed
	$(PY) -m pytest

## make bench: build 1k/10k/100k-customer bases, time every screen, write bench/RESULTS.md
bench: $(VENV)/.dev-installed
	$(PY) -m bench.run

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .

## make check: lint, then every test (before every commit)
check: lint test

## make stress: the durability test with 120 SIGKILLs of writers mid-save, and the concurrency tests
stress: $(VENV)/.dev-installed
	GENJIN_STRESS_KILLS=120 $(PY) -m pytest -q -s tests/test_durability.py

## make backup: a consistent snapshot of the base in GENJIN_DB, kept 7 daily / 4 weekly / 6 monthly
backup: $(VENV)/.app-installed
	$(PY) -m db backup "$(GENJIN_DB)"

## make base BASE=path: a real, empty base (the CRM template, no demo rows, no members: first start asks)
base: $(VENV)/.app-installed
	@test -n "$(BASE)" || (echo "usage: make base BASE=path/to/base.db" && exit 2)
	$(PY) -m db create "$(BASE)"

## make demo: rebuild the demo base from scratch
demo: $(VENV)/.app-installed
	rm -f "$(GENJIN_DB)" "$(GENJIN_DB)-wal" "$(GENJIN_DB)-shm"
	$(PY) -m db create --demo "$(GENJIN_DB)"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
