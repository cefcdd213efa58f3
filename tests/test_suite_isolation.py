"""The suite keeps to itself: no .env, its own Redis keys and database, its own Celery queue."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from typing import Any

from django.conf import settings
from django_redis import get_redis_connection

from config.celery import app
from config.ratelimit import hit, parse_rate

_COUNT_DOTENV_READS = (
    "import environ, os, django\n"
    "reads = []\n"
    "environ.Env.read_env = classmethod(lambda cls, *args, **kwargs: reads.append(args))\n"
    "django.setup()\n"
    "print(len(reads))\n"
)


def _dotenv_reads(settings_module: str) -> int:
    environment = {
        key: value for key, value in os.environ.items() if key not in {"VERITY_TEST", "DJANGO_SETTINGS_MODULE"}
    }
    completed = subprocess.run(  # noqa: S603 - our own interpreter and a constant script
        [sys.executable, "-c", _COUNT_DOTENV_READS],
        env=environment | {"DJANGO_SETTINGS_MODULE": settings_module},
        capture_output=True,
        text=True,
        check=True,
    )
    return int(completed.stdout.strip())


def test_the_suite_does_not_read_a_dotenv_file_and_the_project_does() -> None:
    assert _dotenv_reads("tests.settings") == 0
    assert _dotenv_reads("config.settings") == 1


def test_rate_limit_counters_live_under_the_suite_s_own_prefix() -> None:
    probe = f"isolation-{uuid.uuid4().hex}"
    hit(parse_rate("5/minute"), probe)
    redis: Any = get_redis_connection("default")
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    assert "-test" in prefix
    assert redis.keys(f"{prefix}:limits*{probe}*")
    assert not redis.keys(f"LIMITS*{probe}*")


def test_redis_is_not_make_run_s_database_unless_chosen() -> None:
    if "REDIS_URL" in os.environ:
        assert os.environ["REDIS_URL"] == settings.REDIS_URL
    else:
        assert settings.REDIS_URL.rsplit("/", 1)[1] != "0"
    assert settings.CACHES["default"]["LOCATION"] == settings.REDIS_URL


def test_tasks_go_to_the_suite_s_own_queue() -> None:
    assert app.conf.task_default_queue == settings.CELERY_TASK_DEFAULT_QUEUE
    assert app.conf.task_default_queue != "celery"
    assert app.amqp.router.route({}, "tenants.tasks.purge_expired_idempotency_records")["queue"].name == (
        settings.CELERY_TASK_DEFAULT_QUEUE
    )
