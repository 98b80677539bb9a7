# assistme: `make run` starts the API on the embedded default; `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
SCALAR_VERSION := 1.72.1
SCALAR := var/static/scalar/standalone.js
SOURCES := src tests migrations

.PHONY: install run test lint fmt migrate worker scheduler clean

$(BIN)/assistme: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

# The docs page's script, installed from the npm registry so /docs works offline; never committed.
$(SCALAR):
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --prefix var/npm --no-save --no-package-lock --no-audit --no-fund --ignore-scripts \
	    --loglevel=error @scalar/api-reference@$(SCALAR_VERSION) && \
	  mkdir -p $(dir $@) && cp var/npm/node_modules/@scalar/api-reference/dist/browser/standalone.js $@; \
	else echo "npm not found: /docs will load Scalar from its CDN"; fi

install: $(BIN)/assistme $(SCALAR)

migrate: install
	$(BIN)/assistme db upgrade

run: migrate
	$(BIN)/assistme run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: install
	$(BIN)/ruff check --fix $(SOURCES)
	$(BIN)/ruff format $(SOURCES)

worker: migrate
	$(BIN)/taskiq worker assistme.worker:broker

scheduler: migrate
	$(BIN)/taskiq scheduler assistme.scheduler:scheduler

clean:
	rm -rf $(VENV) var/npm .pytest_cache .mypy_cache .ruff_cache
