# assistme: `make run` starts the API on the embedded default; `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
SCALAR_VERSION := 1.72.1
SCALAR := var/static/scalar/standalone.js
SOURCES := src tests migrations

.PHONY: install run test lint fmt migrate worker scheduler bench clean

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

# Served setup only (ASSISTME_REDIS_URL set, here or in .env). The embedded broker runs each task in the
# process that sends it and cannot listen, so there is no worker to start: say so and exit 0.
# --no-configure-logging: the app already logs JSON lines; taskiq's own format would double each one.
worker: migrate
	@mode=$$($(BIN)/python -c 'from assistme.config import load_settings as s; print("embedded" if s().embedded else "served")') \
	  || exit 1; \
	if [ "$$mode" = served ]; then exec $(BIN)/taskiq worker --no-configure-logging assistme.worker:broker; fi; \
	echo "Embedded setup (ASSISTME_REDIS_URL unset): there is no separate worker, tasks run in the process that"; \
	echo "sends them; the API process runs people's jobs itself. Set ASSISTME_REDIS_URL for the served setup."

# Both setups: served, it sends due runs to the workers; embedded, it runs them itself (the API process
# already runs people's jobs; this adds the hourly housekeeping). A second scheduler is safe.
scheduler: migrate
	$(BIN)/taskiq scheduler --no-configure-logging assistme.scheduler:scheduler

# Load scenarios and baselines on PostgreSQL and Redis at 127.0.0.1 (bench/README.md); not part of CI or `make test`.
# BENCH_QUICK=1 for a short check of the whole run; BENCH_ARGS for more (--profile, --connections N, --output F).
bench: install
	$(BIN)/python -m pip install --quiet -c constraints.txt -r bench/requirements.txt
	$(BIN)/python -m bench.run $(if $(BENCH_QUICK),--quick) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var/npm .pytest_cache .mypy_cache .ruff_cache
