# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PUBLIC_URL ?= http://127.0.0.1:$(PORT)
FLASK := PORTAL_ENV=development PUBLIC_URL=$(PUBLIC_URL) $(BIN)/flask --app wsgi
PORT ?= 5000
DEMO_PASSWORD ?= Bright-Otter-Lantern-42
# Test processes running side by side (pytest-xdist): one per core.
TEST_WORKERS ?= auto

.PHONY: run test check install assets db seed clean

run: install assets db seed
	@echo "Serving Together We CAN at http://127.0.0.1:$(PORT)"
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: install assets
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Lint, formatting and the dependency direction between packages (pyproject.toml).
check: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PYTHONPATH=. $(BIN)/lint-imports

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

assets: static/dist/manifest.json

static/dist/manifest.json: node_modules/.installed scripts/build-assets.mjs $(wildcard static/scss/*.scss) $(wildcard static/js/*.mjs)
	npm run --silent build

db: install
	$(FLASK) db upgrade

seed: install
	$(FLASK) seed-demo --password "$(DEMO_PASSWORD)"

clean:
	rm -rf $(VENV) node_modules static/dist
