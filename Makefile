# One entry point for a newcomer: `make serve` sets everything up and serves the default model,
# `make test` runs lint, types and the test suite (exactly what CI runs).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU build of torch; override on machines with a GPU, e.g. TORCH_SPEC="torch".
TORCH_SPEC ?= torch==2.13.0

.PHONY: setup setup-serve serve test test-servers lint system-deps reference-bundle reliability

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# The serving install, redone only when pyproject.toml changes: a restart of `make serve` does
# not wait for pip (the install is editable, so code changes need none).
SERVE_INSTALLED := $(VENV)/.installed-serve
$(SERVE_INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

setup-serve: $(SERVE_INSTALLED)

setup: $(BIN)/python
	$(BIN)/pip install -q "$(TORCH_SPEC)"
	$(BIN)/pip install -q -e ".[build,dev]"

# exec: the server gets Ctrl-C itself and make does not report it as an error.
serve: setup-serve
	exec $(BIN)/python -m service

# Servers the integration tests start on loopback: Redis, Prometheus and its promtool; and the
# headless browser the web page's tests drive (Debian's chromium and its chromedriver).
SERVERS := chromium chromedriver redis-server prometheus promtool
missing_servers = $(strip $(foreach server,$(SERVERS),$(if $(shell command -v $(server)),,$(server))))
can_install = $(and $(filter 0,$(shell id -u)),$(shell command -v apt-get))

# Installs them (Debian/Ubuntu, as root); does nothing when all are on PATH.
system-deps:
ifneq ($(missing_servers),)
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	  chromium chromium-driver redis-server prometheus
endif

# What `make test` brings itself: the servers, installed when missing where it can (root with
# apt-get: CI, a fresh container); elsewhere one line says what to install, and the tests that
# start them skip (under CI=true they fail: CI never passes without them).
test-servers:
ifneq ($(missing_servers),)
ifneq ($(can_install),)
	$(MAKE) --no-print-directory system-deps
else
	@echo "make test: $(missing_servers) not installed: install them (Debian/Ubuntu: sudo make system-deps); the tests that start them skip" >&2
endif
endif

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	PATH=$(BIN):$$PATH scripts/validate-deploy

# --durations: the slowest tests, to keep CI short
test: test-servers lint
	$(BIN)/pytest --durations=15

# The embedded default model, from scratch: the no-teacher ablation, then the distilled student
# (scored against it), copied into service/bundles/en-de. Inputs: the teacher and Multi30k under
# ../shared (paths in the two configs). The distilled build is sized for ~90 min on 2 CPU
# cores; the ablation adds its own training (same number of steps).
REFERENCE_WORK := work/multi30k-en-de
reference-bundle: setup
	$(BIN)/model-build run model_build/configs/multi30k-en-de-baseline.yaml
	$(BIN)/model-build run model_build/configs/multi30k-en-de.yaml \
	  --set evaluate.baseline_bundle=work/multi30k-en-de-baseline/bundles/en-de
	rm -rf service/bundles/en-de
	cp -r $(REFERENCE_WORK)/bundles/en-de service/bundles/en-de

# The reliability suite of issue 11 against a service it starts on loopback (docs/reliability.md):
# ~15 min; `make reliability ARGS=--quick` for ~3 min. Results in work/reliability/results.{md,json}.
reliability: setup
	$(BIN)/python -m benchmarks.reliability --start --out work/reliability/results $(ARGS)
