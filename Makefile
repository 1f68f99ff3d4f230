# opsgate: `make demo` runs the product on the example opsgate.yml (no Slack, no API key), `make test` sets up and
# runs the checks.
SHELL := /bin/bash
PYTHON ?= python3
RESTATE_VERSION := 1.7.12
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
RESTATE_BIN := .restate/node_modules/@restatedev/restate-server-linux-x64/bin/restate-server
VENV_STAMP := .venv/.synced

.PHONY: setup demo test test-fast lint typecheck unit screenshots bench bench-quick clean chromium guard-model

setup: $(VENV_STAMP) $(RESTATE_BIN) chromium

# The browser test drives the sandbox in Debian's chromium (no browser download); installed when missing and root.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }; \
		else echo "chromium is missing: install Debian's chromium package for the browser test"; exit 1; fi; }

$(UV):
	$(PYTHON) -m pip install --quiet --target .tools/uv-pkg uv
	mkdir -p .tools/bin && ln -sf ../uv-pkg/bin/uv .tools/bin/uv

$(VENV_STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet
	touch $@

$(RESTATE_BIN):
	npm install --prefix .restate --no-save --no-audit --no-fund --loglevel=error \
		@restatedev/restate-server@$(RESTATE_VERSION)
	test -x $@

demo: $(VENV_STAMP) $(RESTATE_BIN)  # no browser needed: that is the tests'
	.venv/bin/opsgate up

lint: $(VENV_STAMP)
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

typecheck: $(VENV_STAMP)
	.venv/bin/mypy

test: setup lint typecheck
	OPSGATE_RESTATE_BIN=$(RESTATE_BIN) .venv/bin/pytest -q

unit: $(VENV_STAMP)
	.venv/bin/pytest -q -m "not integration"

# Everything but the tests marked `slow` (browsers, benchmarks, full stacks, replicas); `make test` runs them all.
test-fast: $(VENV_STAMP) $(RESTATE_BIN)
	OPSGATE_RESTATE_BIN=$(RESTATE_BIN) .venv/bin/pytest -q -m "not slow"

# Retakes the README's screenshots (docs/sandbox-*.png) with the demo's browser walkthrough; the tests alone write
# theirs to a temporary folder.
screenshots: setup
	OPSGATE_SCREENSHOTS_DIR=$(CURDIR)/docs OPSGATE_RESTATE_BIN=$(RESTATE_BIN) .venv/bin/pytest -q tests/e2e/test_demo_walkthrough.py

# Retrains the guardrails' learned detector from ../shared/data/guardrails/training and training/*.jsonl; the same
# data gives the same file byte for byte (a test checks the shipped one).
guard-model: $(VENV_STAMP)
	.venv/bin/python -m training.guard_detector

bench: setup
	$(UV) sync --frozen --quiet --group bench
	for b in ack guardrails approvals tokens digest durable keepalive chaos; do OPSGATE_RESTATE_BIN=$(RESTATE_BIN) .venv/bin/python -m bench.$$b || exit 1; done
	OPSGATE_FUZZ_EXAMPLES=5000 OPSGATE_HYPOTHESIS_PROFILE=explore .venv/bin/pytest -q tests/bot/test_fuzz_http.py

bench-quick: setup
	$(UV) sync --frozen --quiet --group bench
	for b in ack guardrails approvals tokens digest durable keepalive chaos; do OPSGATE_RESTATE_BIN=$(RESTATE_BIN) .venv/bin/python -m bench.$$b --quick || exit 1; done

clean:
	rm -rf .venv .restate .tools .opsgate
