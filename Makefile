# zi-assess — `make run` starts the app on SQLite with demo data; `make test` runs the suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

# Debian packages: WeasyPrint needs Pango (HarfBuzz subsetting makes it ~20 % faster);
# the tests also drive Chromium and read PDFs back as images.
APT_RUN  := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
APT_TEST := chromium chromium-driver poppler-utils libreoffice-calc-nogui

.PHONY: run test lint typecheck bench bench-planner bench-pdf bench-web sysdeps sysdeps-test translations clean

define apt_ensure
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "Missing system packages:$$missing"; echo "Run: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi
endef

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# editable_mode=compat: a plain path entry instead of an import hook, so `zi-assess score` starts faster
PIP_EDITABLE := --config-settings editable_mode=compat

$(VENV)/.installed-run: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q $(PIP_EDITABLE) -e .
	@touch $@

$(VENV)/.installed-test: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q $(PIP_EDITABLE) -e '.[test]'
	@touch $@ $(VENV)/.installed-run

sysdeps:
	$(call apt_ensure,$(APT_RUN))

sysdeps-test: sysdeps
	$(call apt_ensure,$(APT_TEST))

run: sysdeps $(VENV)/.installed-run
	$(BIN)/zi-assess db upgrade
	$(BIN)/zi-assess demo --if-empty
	@echo ""; echo "  zi-assess is running: open http://$(HOST):$(PORT)  (demo users above)"; echo ""
	$(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check --config .ci/ruff.toml .

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy --config-file setup.cfg

test: sysdeps-test $(VENV)/.installed-test lint typecheck
	$(BIN)/pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/bench_scoring.py
	$(BIN)/python benchmarks/bench_planner.py
	$(BIN)/python benchmarks/bench_workflow.py $(BENCH_DATABASE_URL)

bench-planner: $(VENV)/.installed-test
	$(BIN)/python benchmarks/bench_planner.py

bench-pdf: sysdeps $(VENV)/.installed-test
	$(BIN)/python benchmarks/bench_pdf.py

bench-web: sysdeps $(VENV)/.installed-test
	@command -v wrk >/dev/null || $(MAKE) -s APT_TEST=wrk sysdeps-test
	$(BIN)/python benchmarks/bench_web.py $(BENCH_WEB_DATABASE_URL)

# Update the English catalog after changing texts, then fill the new msgstr entries and compile.
translations: $(VENV)/.installed-test
	$(BIN)/pybabel extract -F zi_assess/translations/babel.cfg -k _l --no-location -o zi_assess/translations/messages.pot .
	$(BIN)/pybabel update -i zi_assess/translations/messages.pot -d zi_assess/translations -l en --no-fuzzy-matching
	$(BIN)/pybabel compile -d zi_assess/translations

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .mypy_cache
