"""The settings `make run` leaves for other shells (var/local.env, config/local_env.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.local_env import load_local_env

ROOT = Path(__file__).resolve().parents[2]

LOCAL_RUN = """\
# Written by bin/run (make run)
VERITY_ENV=development
DATABASE_URL=postgres://verity_app@127.0.0.1:5432/verity
AWS_ACCESS_KEY_ID=local
AWS_SECRET_ACCESS_KEY=local
AWS_ENDPOINT_URL=http://127.0.0.1:5000
AWS_ENDPOINT_URL_REKOGNITION=http://127.0.0.1:5050
"""


@pytest.fixture
def local_env(tmp_path: Path) -> Path:
    path = tmp_path / "local.env"
    path.write_text(LOCAL_RUN)
    path.chmod(0o600)
    return path


def test_the_file_fills_in_what_the_environment_does_not_set(local_env: Path) -> None:
    environ = {"PATH": "/usr/bin"}
    load_local_env(local_env, environ)
    assert environ["VERITY_ENV"] == "development"
    assert environ["AWS_ENDPOINT_URL_REKOGNITION"] == "http://127.0.0.1:5050"
    assert environ["AWS_ACCESS_KEY_ID"] == "local"
    assert "# Written by bin/run (make run)" not in environ


def test_the_environment_wins_over_the_file(local_env: Path) -> None:
    environ = {"DATABASE_URL": "postgres://someone@db.example.com/other"}
    load_local_env(local_env, environ)
    assert environ["DATABASE_URL"] == "postgres://someone@db.example.com/other"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("AWS_ACCESS_KEY_ID", "AKIAREALKEY"),
        ("AWS_PROFILE", "production"),
        ("AWS_ENDPOINT_URL", "https://vpce.example.com"),
        ("AWS_ENDPOINT_URL_S3", "https://s3.example.com"),
    ],
)
def test_real_aws_configuration_in_the_environment_sets_aside_every_aws_line(
    local_env: Path, name: str, value: str
) -> None:
    environ = {name: value}
    load_local_env(local_env, environ)
    assert environ["VERITY_ENV"] == "development"
    assert {key for key in environ if key.startswith("AWS_")} == {name}


def test_explicit_production_never_reads_the_file(local_env: Path) -> None:
    environ = {"VERITY_ENV": "production"}
    assert load_local_env(local_env, environ) == {}
    assert environ == {"VERITY_ENV": "production"}


def test_no_file_changes_nothing(tmp_path: Path) -> None:
    environ: dict[str, str] = {}
    assert load_local_env(tmp_path / "local.env", environ) == {}
    assert environ == {}


@pytest.mark.parametrize("mode", [0o620, 0o602, 0o666])
def test_a_file_others_can_write_is_refused(local_env: Path, mode: int) -> None:
    local_env.chmod(mode)
    environ: dict[str, str] = {}
    with pytest.raises(ImproperlyConfigured, match="writable by another user"):
        load_local_env(local_env, environ)
    assert environ == {}


def _second_shell(local_env: str) -> subprocess.CompletedProcess[str]:
    """A fresh shell on the machine: only PATH and HOME (and where the file is) in its environment."""
    code = "import os; from django.conf import settings; print(settings.VERITY_ENV, os.environ['AWS_ENDPOINT_URL'])"
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/"), "VERITY_LOCAL_ENV_FILE": local_env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_second_shell_gets_development_and_the_local_endpoints_from_the_file(local_env: Path) -> None:
    result = _second_shell(str(local_env))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["development", "http://127.0.0.1:5000"]


def test_a_second_shell_without_the_file_gets_production_settings(tmp_path: Path) -> None:
    result = _second_shell(str(tmp_path / "absent.env"))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr
