# School platform — one Makefile for the whole monorepo. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
UV     := $(BIN)/uv
PACKAGES := $(foreach p,protos libs/schoolkit services/identity services/students services/grades gateway,$(if $(wildcard $(p)/pyproject.toml),$(p)))
PROTO_FILES := $(shell find protos/school -name '*.proto' 2>/dev/null)
PYTEST_ARGS ?=

.PHONY: help venv install protos translations lint typecheck test test-unit test-fast run bench clean breaking

help: ## List the targets
	@grep -E '^[a-z][a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check uv==0.13.9

venv: $(PY) ## Create the virtual environment (.venv)

.stamp-deps: $(PY) requirements-dev.txt constraints.txt $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
	$(UV) pip install -q --python $(PY) -c constraints.txt -r requirements-dev.txt
	touch $@

protos/python/.stamp: .stamp-deps $(PROTO_FILES) ## (internal) generated Python contracts
	rm -rf protos/python && mkdir -p protos/python
	cd protos && ../$(PY) -m grpc_tools.protoc -I. --python_out=python --grpc_python_out=python --pyi_out=python $(patsubst protos/%,%,$(PROTO_FILES))
	touch protos/python/py.typed $@

protos: protos/python/.stamp ## Generate Python code from protos/ (never edit the output)

.stamp-install: protos/python/.stamp $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
	$(UV) pip install -q --python $(PY) -c constraints.txt $(foreach p,$(PACKAGES),-e $(p))
	touch $@

translations: .stamp-install ## Compile the gateway's message catalogues
	if [ -d gateway/src/school_gateway/translations ]; then $(BIN)/pybabel -q compile -d gateway/src/school_gateway/translations -D messages; fi

install: .stamp-install translations ## Install every package (editable) into .venv

lint: install ## ruff, mypy, import-linter and buf lint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	cd protos && npx -y @bufbuild/buf@1.75.0 lint

breaking: ## buf breaking against main
	cd protos && npx -y @bufbuild/buf@1.75.0 breaking --against '../.git#branch=main,subdir=protos'

test: install lint ## Lint, then run the whole suite (SQLite; PostgreSQL too when TEST_POSTGRES_URL is set)
	$(BIN)/pytest $(PYTEST_ARGS)

test-unit: install ## Unit tests only (no broker, no browser)
	$(BIN)/pytest -m "not integration and not e2e and not browser and not fault" $(PYTEST_ARGS)

run: install ## Set up and run the whole product locally with demo data (Ctrl-C stops it)
	$(PY) deploy/local/launch.py run

bench: install ## Benchmarks (not part of the test gate); figures go to bench/results/
	$(PY) bench/run_all.py

clean: ## Remove the virtual environment, generated code and local data
	rm -rf $(VENV) protos/python var .stamp-* test-artifacts
