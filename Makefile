# Two commands a newcomer needs:  make run  (app with demo data)  and  make test.
SHELL := /bin/bash
PYTHON_VERSION := 3.12
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
RUN := $(UV) run --frozen
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format check-deploy messages worker beat install uv clean

$(UV):
	python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv

install: $(UV)
	$(UV) sync --frozen --python $(PYTHON_VERSION)

## make run: set up everything, migrate, load demo data and serve on http://127.0.0.1:8000
run: install
	$(RUN) python manage.py migrate --noinput
	$(RUN) python manage.py seed_demo
	@echo "→ http://$(HOST):$(PORT)/  (mail is written to var/mail/)"
	@# No tile proxy here (nginx serves /tiles/ in production): unless MAP_TILE_URL is set,
	@# the maps request no tiles at all and say that they have no map image.
	MAP_TILE_URL="$${MAP_TILE_URL-}" $(RUN) python manage.py runserver $(HOST):$(PORT)

## make test: lint, then the whole test suite (PostgreSQL, Redis and Chromium when present),
##   one pytest-xdist worker per core, at most 8 (PYTEST_WORKERS=0: in this one process)
# At most 8: the workers' caches are Redis databases 8-15 (tests/fixtures.py).
PYTEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); echo $$(( n < 8 ? n : 8 )))
test: install lint
	@# The elapsed time is part of the output: the suite must stay under 8 minutes in CI on two
	@# cores (issue 16). Each worker has its own test database, seeded once (tests/fixtures.py);
	@# a file's tests stay on one worker, so its module fixtures are built once. Files are
	@# handed out in collection order, which tests/fixtures.py makes "longest first" (the
	@# stack, the restore drill, the browser flows): xdist's default order, most tests
	@# first, left those for the end. The 15 slowest tests are listed: where the budget goes.
	@start=$$(date +%s); \
	$(RUN) pytest --numprocesses $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder \
	  --durations 15 $(PYTEST_ARGS); status=$$?; \
	elapsed=$$(( $$(date +%s) - start )); \
	printf 'make test: the tests took %dm%02ds (exit status %d)\n' $$((elapsed / 60)) $$((elapsed % 60)) $$status; \
	exit $$status

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) bandit -c pyproject.toml -r . -q
	$(RUN) mypy .
	$(MAKE) --no-print-directory check-deploy

## make check-deploy: Django's deployment checks with production-like settings; warnings fail
check-deploy: install
	DEBUG=false ALLOWED_HOSTS=kobepost.example.lg.jp EMAIL_HOST=smtp.example.lg.jp \
	SITE_URL=https://kobepost.example.lg.jp \
	SECRET_KEY="$$($(RUN) python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	$(RUN) python manage.py check --deploy --fail-level WARNING

format: install
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

## make messages: refresh the English translation files after changing UI text
messages: install
	$(RUN) python manage.py makemessages -l en --no-obsolete --ignore=.venv --ignore=var
	$(RUN) python manage.py compilemessages -l en --ignore=.venv

worker: install
	$(RUN) celery -A kobepost worker -l info

beat: install
	$(RUN) celery -A kobepost beat -l info

clean:
	rm -rf var/db.sqlite3 var/mail var/static
