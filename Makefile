# opsgate: `make demo` runs the product on embedded defaults, `make test` sets up and runs the checks.
SHELL := /bin/bash
PYTHON ?= python3
RESTATE_VERSION := 1.7.12
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
RESTATE_BIN := .restate/node_modules/@restatedev/restate-server-linux-x64/bin/restate-server
VENV_STAMP := .venv/.synced

.PHONY: setup demo test lint typecheck unit bench bench-quick clean

setup: $(VENV_STAMP) $(RESTATE_BIN)

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

demo: setup
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

bench: setup
	for b in ack; do OPSGATE_RESTATE_BIN=$(RESTATE_BIN) .venv/bin/python -m bench.$$b || exit 1; done

bench-quick: setup
	for b in ack; do OPSGATE_RESTATE_BIN=$(RESTATE_BIN) .venv/bin/python -m bench.$$b --quick || exit 1; done

clean:
	rm -rf .venv .restate .tools .opsgate
