"""The settings are production's, and secure, unless development is asked for explicitly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

PROJECT = Path(__file__).resolve().parents[2]
SECRET = "production-test-secret-9c4e1a7f3b5d2e8061f4a9c7e2b5d8f0a3c6e9b1d4f7"
SHOWN = [
    "VERITY_ENV",
    "DEBUG",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_PROXY_SSL_HEADER",
    "VERITY_LOCAL_REKOGNITION_CREDENTIALS",
    "VERITY_WEBHOOK_REQUIRE_HTTPS",
    "VERITY_WEBHOOK_ALLOWED_NETWORKS",
]


def load_settings(**variables: str) -> subprocess.CompletedProcess[str]:
    """Import the settings in a fresh interpreter with only these variables (and PATH) set.

    Neither the checkout's .env nor `make run`'s var/local.env is read: after `make run`, a shell
    in the checkout is development by design (tests/config/test_local_env.py), and `make test`
    after `make run` in one checkout failed six tests here.
    """
    script = (
        "import json, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'\n"
        "from django.conf import settings\n"
        f"print(json.dumps({{name: getattr(settings, name) for name in {SHOWN!r}}}))"
    )
    return subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", script],
        cwd=PROJECT,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "VERITY_TEST": "1",
            "VERITY_LOCAL_ENV_FILE": "",
            **variables,
        },
        capture_output=True,
        text=True,
        check=False,
    )


def loaded(**variables: str) -> dict[str, Any]:
    completed = load_settings(**variables)
    assert completed.returncode == 0, completed.stderr
    values: dict[str, Any] = json.loads(completed.stdout)
    return values


def test_without_an_environment_the_settings_are_production_and_need_a_secret_key() -> None:
    completed = load_settings(DJANGO_ALLOWED_HOSTS="verity.example.com")
    assert completed.returncode != 0
    assert "DJANGO_SECRET_KEY" in completed.stderr


@pytest.mark.parametrize("secret", ["short", "x" * 64])
def test_production_refuses_a_weak_secret_key(secret: str) -> None:
    completed = load_settings(DJANGO_SECRET_KEY=secret, DJANGO_ALLOWED_HOSTS="verity.example.com")
    assert completed.returncode != 0
    assert "DJANGO_SECRET_KEY" in completed.stderr


def test_production_refuses_to_start_without_allowed_hosts() -> None:
    completed = load_settings(DJANGO_SECRET_KEY=SECRET)
    assert completed.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in completed.stderr


def test_the_default_environment_is_production_with_secure_transport() -> None:
    values = loaded(DJANGO_SECRET_KEY=SECRET, DJANGO_ALLOWED_HOSTS="verity.example.com")
    assert values["VERITY_ENV"] == "production"
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_PROXY_SSL_HEADER"] is None  # no proxy declared: X-Forwarded-Proto is not believed
    assert values["VERITY_LOCAL_REKOGNITION_CREDENTIALS"] == {}  # no well-known local/local pair


def test_x_forwarded_proto_is_believed_only_behind_a_declared_tls_proxy() -> None:
    values = loaded(DJANGO_SECRET_KEY=SECRET, DJANGO_ALLOWED_HOSTS="verity.example.com", VERITY_BEHIND_TLS_PROXY="true")
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_development_settings_apply_only_when_asked_for() -> None:
    values = loaded(VERITY_ENV="development")
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["VERITY_LOCAL_REKOGNITION_CREDENTIALS"] == {"local": "local"}


def test_an_unknown_environment_name_is_refused() -> None:
    completed = load_settings(VERITY_ENV="local")
    assert completed.returncode != 0
    assert "VERITY_ENV" in completed.stderr


@pytest.mark.django_db
def test_the_https_redirect_spares_the_health_probe(settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    assert client.get("/healthz").status_code == 200
    redirected = client.get("/v1/tenant")
    assert redirected.status_code == 301
    assert redirected["Location"].startswith("https://")


def test_webhooks_need_https_and_public_addresses_in_production_only() -> None:
    production = loaded(DJANGO_SECRET_KEY=SECRET, DJANGO_ALLOWED_HOSTS="verity.example.com")
    development = loaded(VERITY_ENV="development")

    assert (production["VERITY_WEBHOOK_REQUIRE_HTTPS"], production["VERITY_WEBHOOK_ALLOWED_NETWORKS"]) == (True, [])
    assert development["VERITY_WEBHOOK_REQUIRE_HTTPS"] is False
    assert development["VERITY_WEBHOOK_ALLOWED_NETWORKS"] == ["127.0.0.0/8", "::1/128"]
