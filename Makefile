# Fresh machine: `make run` or `make test` install what is missing first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install run test test-fast browser lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade --quiet pip
	# torch first and pinned: the CPU build, so nothing pulls CUDA wheels.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Debian's Chromium for the browser tests (Playwright never downloads a browser here).
browser:
	@test -x /usr/bin/chromium || { \
	  SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; }

run: install
	$(BIN)/touchpoint serve --demo --host 127.0.0.1 --port 8000

# The tests, then the code checks (they run after so that a style slip hides no failure).
test: install browser
	$(BIN)/python -m pytest -q -ra
	@$(MAKE) --no-print-directory lint

test-fast: install
	$(BIN)/python -m pytest -q -ra -m "not browser"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy chat bot knowledge agents_console widget

bench: install
	$(BIN)/touchpoint bench relay --json
	$(BIN)/touchpoint bench search --json
	$(BIN)/touchpoint bench bot --json

clean:
	rm -rf $(VENV) var .pytest_cache
