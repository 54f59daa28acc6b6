# The only set-up commands: `make run` and `make test` create .venv and install everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run
# The dashboard's tests drive a real Chromium from the system's packages (Playwright's own
# browser builds cannot be downloaded on these machines); root installs it, others through sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install run test lint typecheck unit browser bench clean

# `make run` installs what it runs (the CLI and the sandbox); `make test` adds the dev tools.
$(RUN_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[cli]'
	touch $(RUN_STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	# The official SDK, for conformance tests only: it declares Python >= 3.13 but runs on 3.11.
	$(BIN)/pip install --quiet --ignore-requires-python kalshi-python-sync==3.34.0
	touch $(STAMP) $(RUN_STAMP)

install: $(STAMP)

run: $(RUN_STAMP)
	BIN=$(BIN) scripts/main_job.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install \
			-y -qq --no-install-recommends chromium >/dev/null; }

unit: $(STAMP) browser
	$(BIN)/pytest -q

test: $(STAMP) lint typecheck unit

.PHONY: test-live
# The live suite against Kalshi demo (and prod reads with KALSHI_LIVE_PROD=1); see the README.
test-live: $(STAMP)
	$(BIN)/pytest -m live -q

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
