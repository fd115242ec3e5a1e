# The two commands: `make demo` and `make test`.  See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT := $(or $(VANGUARD_PORT),8000)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install demo serve test test-sqlite test-postgres lint format bench lock messages clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

demo: install
	VANGUARD_DEMO=1 $(BIN)/python manage.py migrate --noinput -v 0
	@# A demo database from before key derivation (HKDF) is re-keyed once; afterwards this finds nothing to do.
	VANGUARD_DEMO=1 $(BIN)/python manage.py rotate_field_key > /dev/null
	VANGUARD_DEMO=1 $(BIN)/python manage.py seed_demo --if-empty
	@echo "Serving on http://127.0.0.1:$(PORT)/ with a background-job worker  (Ctrl-C stops both)"
	@# The worker runs imports and exports (VANGUARD_TASKS=db); the trap stops it whenever the server stops.
	export VANGUARD_DEMO=1 VANGUARD_TASKS=db; \
	$(BIN)/python manage.py db_worker --no-startup-delay & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver --insecure 127.0.0.1:$(PORT)

# The whole suite on SQLite, then again on PostgreSQL when DATABASE_URL names one.
test: install lint
	env -u DATABASE_URL $(BIN)/pytest -q $(PYTEST_ARGS)
	@case "$$DATABASE_URL" in \
	  postgres*) echo "== again on PostgreSQL"; $(BIN)/pytest -q $(PYTEST_ARGS) ;; \
	  *) echo "DATABASE_URL does not name PostgreSQL: the PostgreSQL run is skipped." ;; \
	esac

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python bench/run.py

# Recompute the pinned tree after changing requirements.in.
lock:
	rm -rf /tmp/vanguard-lock && $(PYTHON) -m venv /tmp/vanguard-lock
	/tmp/vanguard-lock/bin/pip install --quiet -r requirements.in
	/tmp/vanguard-lock/bin/pip freeze --exclude-editable > requirements.lock

messages: install
	VANGUARD_DEMO=1 $(BIN)/python locale/update.py || true
	VANGUARD_DEMO=1 $(BIN)/python manage.py compile_catalogues

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* test-artifacts
