"""Settings for the test suite: the project's own, kept apart from a running `make run`.

A developer's `.env` is not read (tests see only the environment they are started with). Redis
is ``REDIS_URL`` when that is set, otherwise a database of its own (15) rather than `make run`'s
0; every cache and rate-limit key carries a test prefix per xdist worker, so two workers (or a
worker and `make run`) never share a counter; tasks go to a queue of their own, so a running
Celery worker never picks up the suite's tasks. Explicit ``REDIS_URL``, ``CACHE_KEY_PREFIX``,
``CELERY_BROKER_URL`` and ``CELERY_RESULT_BACKEND`` are respected.
"""

from __future__ import annotations

import os

# Before config.settings: it then skips .env; the suite asks for development settings (a caller may
# still choose production) and never reads the file `make run` writes for other shells.
os.environ["VERITY_TEST"] = "1"
os.environ.setdefault("VERITY_ENV", "development")
os.environ["VERITY_LOCAL_ENV_FILE"] = ""

from config.settings import *  # noqa: F403 - the project's settings, then the overrides below
from config.settings import CACHES

_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
_TEST_PREFIX = f"{os.environ.get('CACHE_KEY_PREFIX', 'verity')}-test"

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
CACHES["default"]["LOCATION"] = REDIS_URL
CACHES["default"]["KEY_PREFIX"] = f"{_TEST_PREFIX}-{_WORKER}"
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_DEFAULT_QUEUE = _TEST_PREFIX

# One login for every alias, a member of both the application and the platform role (created by
# tests/conftest.py), whose own role on connecting is the application's; each scope sets its
# role for its transaction (tenants/scope.py), so a test's platform work shares the test's
# transaction and still runs with the platform role's rights, and no more.
TEST_LOGIN_ROLE = "verity_test_login"
DATABASES = {
    alias: DATABASES[alias]  # noqa: F405 - from config.settings
    | {"USER": TEST_LOGIN_ROLE, "PASSWORD": "", "OPTIONS": {"options": f"-c role={DATABASE_APP_ROLE}"}}  # noqa: F405
    for alias in ("default", "audit")
}
VERITY_PLATFORM_DATABASES = {"default": "default", "audit": "audit"}
