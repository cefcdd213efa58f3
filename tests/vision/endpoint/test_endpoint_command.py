"""``manage.py rekognition_local`` serves the endpoint with gunicorn, against the same database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.vision.endpoint.endpoint_helpers import ENDPOINT_TESTS, SECRET, photo, rekognition_client

pytestmark = ENDPOINT_TESTS

PROJECT = Path(__file__).resolve().parents[3]
ACCESS_KEY = "AKIACOMMAND" + uuid.uuid4().hex[:9].upper()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def database_url() -> str:
    database = settings.DATABASES["default"]
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    return f"postgres://{database['USER']}{password}@{database['HOST']}:{database['PORT'] or 5432}/{database['NAME']}"


@pytest.fixture
def command_endpoint() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "rekognition_local", "--port", str(port), "--threads", "2"],
        cwd=PROJECT,
        env={
            **os.environ,
            "DATABASE_URL": database_url(),
            "VERITY_DB_ROLE": "app",
            "VERITY_LOCAL_REKOGNITION_CREDENTIALS": f"{ACCESS_KEY}:{SECRET}",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        assert process.poll() is None, "rekognition_local exited"
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_command_serves_boto3(command_endpoint: str) -> None:
    client = rekognition_client(command_endpoint, ACCESS_KEY)
    client.create_collection(CollectionId="served")
    assert client.list_collections()["CollectionIds"] == ["served"]
    compared = client.compare_faces(
        SourceImage={"Bytes": photo("person_a_1")}, TargetImage={"Bytes": photo("person_a_2")}
    )
    assert compared["FaceMatches"][0]["Similarity"] >= 80


def test_the_command_refuses_to_serve_without_configured_credentials() -> None:
    completed = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "rekognition_local", "--port", str(free_port())],
        cwd=PROJECT,
        env={**os.environ, "DATABASE_URL": database_url(), "VERITY_LOCAL_REKOGNITION_CREDENTIALS": ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode != 0
    assert "VERITY_LOCAL_REKOGNITION_CREDENTIALS" in completed.stderr
