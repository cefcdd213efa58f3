# The two commands of the README: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Settings are production's unless development is asked for; these targets are development's
# (deploycheck asks for production itself).
export VERITY_ENV ?= development

.PHONY: run test lint format typecheck deploycheck check setup db clean mutation sdk

$(STAMP): requirements/base.txt requirements/prod.txt requirements/dev.txt sdk/python/pyproject.toml
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

# The suite, then every command of README.md's Operating table from a fresh shell against a
# `make run` of its own on free ports (bin/check_readme_commands.py).
test: db
	$(PY) -m pytest -n 2 --dist loadgroup
	$(PY) bin/check_readme_commands.py

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) bin/check_import_cycles.py
	$(PY) bin/generate_sdk.py --check

# The Python client's generated layer, from the schema the app serves (docs/client.md).
sdk: setup
	$(PY) bin/generate_sdk.py

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

# Mutation testing of the security-critical modules ([tool.mutmut] in pyproject.toml); slow, so not part of
# `make test`. One child process: the machine is shared. `mutmut show <name>` prints a surviving mutant.
MUTATE := "tenants.policy.*" "tenants.rls.*" "vision.validation.*" "audit.cloudtrail.signing.*" \
	"audit.cloudtrail.validate.*" "audit.cloudtrail.reading.*" "config.api.idempotency.x_idempotency_*"
mutation: db
	$(VENV)/bin/mutmut run --max-children 1 $(MUTATE)
	$(VENV)/bin/mutmut results

clean:
	rm -rf $(VENV) var mutants
