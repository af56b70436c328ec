# zi-assess — `make run` starts the app on SQLite with demo data; `make test` runs the suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
BENCH_BULK_UNITS ?= 10
BENCH_BULK_ROUNDS ?= 2

# Debian packages: WeasyPrint needs Pango (HarfBuzz subsetting makes it ~20 % faster);
# the tests also drive Chromium and read PDFs back as images.
APT_RUN  := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
APT_TEST := chromium chromium-driver poppler-utils libreoffice-calc-nogui clamav-daemon

.PHONY: run test lint typecheck bench bench-planner bench-pdf bench-web bench-scale sysdeps sysdeps-test need-sysdeps \
	need-sysdeps-test translations wheel clean

# System packages are installed by one explicit target, `make sysdeps` (`sysdeps-test` adds the
# test tools). `make run` and `make test` only check: when something is missing they say so and,
# as root, call that target; otherwise they print the command to run and stop. Nothing in
# deploy/ uses this Makefile (the Dockerfile and the systemd units install what they need).
define apt_missing
$$(command -v dpkg >/dev/null || exit 0; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || printf ' %s' $$p; done)
endef

define apt_install
	@missing="$(call apt_missing,$(1))"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing system packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
	  echo "Missing system packages:$$missing"; echo "Run: sudo apt-get install -y$$missing"; exit 1; \
	fi
endef

define apt_check
	@missing="$(call apt_missing,$(1))"; \
	if [ -n "$$missing" ]; then \
	  echo "Missing system packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then echo "Running: make $(2)"; $(MAKE) --no-print-directory $(2); \
	  else echo "Run: sudo make $(2)   (or: sudo apt-get install -y$$missing)"; exit 1; fi; \
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
	$(call apt_install,$(APT_RUN))

sysdeps-test: sysdeps
	$(call apt_install,$(APT_TEST))

need-sysdeps:
	$(call apt_check,$(APT_RUN),sysdeps)

need-sysdeps-test: need-sysdeps
	$(call apt_check,$(APT_TEST),sysdeps-test)

run: need-sysdeps $(VENV)/.installed-run
	$(BIN)/zi-assess db upgrade
	$(BIN)/zi-assess demo --if-empty
	@echo ""; echo "  zi-assess is running: open http://$(HOST):$(PORT)  (demo users above)"; echo ""
	$(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check --config .ci/ruff.toml .

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy --config-file setup.cfg

test: need-sysdeps-test $(VENV)/.installed-test lint typecheck
	$(BIN)/pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/bench_scoring.py
	$(BIN)/python benchmarks/bench_planner.py
	$(BIN)/python benchmarks/bench_workflow.py $(BENCH_DATABASE_URL)

bench-planner: $(VENV)/.installed-test
	$(BIN)/python benchmarks/bench_planner.py

bench-pdf: need-sysdeps $(VENV)/.installed-test
	$(BIN)/python benchmarks/bench_pdf.py
	$(BIN)/python benchmarks/bench_bulk.py --units $(BENCH_BULK_UNITS) --workers 1,2 --rounds $(BENCH_BULK_ROUNDS)

bench-web: need-sysdeps $(VENV)/.installed-test
	@command -v wrk >/dev/null || $(MAKE) -s APT_TEST=wrk sysdeps-test
	$(BIN)/python benchmarks/bench_web.py $(BENCH_WEB_DATABASE_URL)

# The national data set (generated once into the database, then kept) under 20 concurrent clients.
bench-scale: need-sysdeps $(VENV)/.installed-test
	$(BIN)/python benchmarks/bench_scale.py $(BENCH_SCALE_DATABASE_URL)

# Update the English catalog after changing texts, then fill the new msgstr entries and compile.
translations: $(VENV)/.installed-test
	$(BIN)/pybabel extract -F zi_assess/translations/babel.cfg -k _l --no-location --no-wrap -o zi_assess/translations/messages.pot .
	$(BIN)/pybabel update -i zi_assess/translations/messages.pot -d zi_assess/translations -l en --no-fuzzy-matching --no-wrap --ignore-obsolete
	$(BIN)/pybabel compile -d zi_assess/translations

# The product: dist/zi_assess-<version>-py3-none-any.whl (templates and criteria inside).
wheel: | $(BIN)/python
	rm -rf build
	$(BIN)/pip wheel --no-deps --wheel-dir dist .

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .mypy_cache
