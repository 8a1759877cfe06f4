# One entry point for a newcomer: `make serve` sets everything up and serves the default model,
# `make test` runs lint, types and the test suite (exactly what CI runs).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU build of torch; override on machines with a GPU, e.g. TORCH_SPEC="torch".
TORCH_SPEC ?= torch==2.13.0

.PHONY: setup setup-serve serve test lint system-deps reference-bundle

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

setup-serve: $(BIN)/python
	$(BIN)/pip install -q -e .

setup: $(BIN)/python
	$(BIN)/pip install -q "$(TORCH_SPEC)"
	$(BIN)/pip install -q -e ".[build,dev]"

serve: setup-serve
	$(BIN)/python -m service

# Servers the integration tests start on loopback (Debian/Ubuntu, as root): Redis, Prometheus.
system-deps:
	@command -v redis-server >/dev/null && command -v prometheus >/dev/null && command -v promtool >/dev/null || \
	  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server prometheus)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	PATH=$(BIN):$$PATH scripts/validate-deploy

test: lint
	$(BIN)/pytest

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
