# The two commands a newcomer runs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint chromium bench clean

# Reinstall whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# [pdf]: WeasyPrint, for the outcomes report as PDF (the organiser's board wants one).
	$(BIN)/pip install --quiet -e '.[pdf]'
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test,postgres,redis]'
	touch $@

# Browser tests drive Debian's chromium. Install it when it is missing and we may (root with
# apt-get); otherwise the browser tests skip and say why (and fail when CI=true).
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing chromium for the browser tests..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "chromium is not installed and cannot be installed here: browser tests will skip."; \
	  fi; \
	fi

run: $(VENV)/.installed
	$(BIN)/assembly serve

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# pytest exits 5 when it collects nothing; that is not a failure of the code.
test: lint chromium
	$(BIN)/pytest; rc=$$?; if [ $$rc -eq 5 ]; then rc=0; fi; exit $$rc

# Benchmarks print figures (one JSON line per scenario); they are not tests.
# The default scenario fits this 2-core machine in about two and a half minutes.
bench: $(VENV)/.installed-test
	$(BIN)/python bench/flood.py
	$(BIN)/python bench/load.py --votes 1000

clean:
	rm -rf $(VENV) assembly.db assembly.db-wal assembly.db-shm
