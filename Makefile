# The two commands of the README: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Settings are production's unless development is asked for; these targets are development's
# (deploycheck asks for production itself).
export VERITY_ENV ?= development

.PHONY: run test lint format typecheck deploycheck check setup db clean

$(STAMP): requirements/base.txt requirements/prod.txt requirements/dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt
	touch $(STAMP)

setup: $(STAMP)
	mkdir -p var/static

db: setup
	VERITY_DB_ROLE=owner $(PY) manage.py db_setup

run: setup
	./bin/run

test: db
	$(PY) -m pytest -n 2 --dist loadgroup

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck: setup
	$(VENV)/bin/mypy .

# Django's deployment checks against production settings (a throwaway secret key); warnings fail.
deploycheck: setup
	VERITY_ENV=production DJANGO_ALLOWED_HOSTS=verity.example.com \
	DJANGO_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	$(PY) manage.py check --deploy --fail-level WARNING

check: lint typecheck deploycheck test

clean:
	rm -rf $(VENV) var
