# Two commands for a fresh machine: `make demo` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv install test demo bench proto clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

venv install: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q tests

demo: $(STAMP)
	$(BIN)/python -m heihachi_index.demo

# Regenerate heihachi_index/rpc/heihachi/v1/ from proto/ (tests/test_proto_generated.py checks it is current).
proto: $(STAMP)
	$(BIN)/python -m heihachi_index.rpc.codegen

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_features.py

clean:
	rm -rf $(VENV) heihachi-data demo-corpus
