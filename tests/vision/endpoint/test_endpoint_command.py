"""``manage.py rekognition_local`` serves the endpoint with gunicorn, against the same database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.vision.endpoint.endpoint_helpers import ENDPOINT_TESTS, SECRET, photo, rekognition_client
from vision.local.management.commands import rekognition_local

pytestmark = ENDPOINT_TESTS

PROJECT = Path(__file__).resolve().parents[3]
ACCESS_KEY = "AKIACOMMAND" + uuid.uuid4().hex[:9].upper()
_SERVING: dict[str, subprocess.Popen[bytes]] = {}  # endpoint URL → gunicorn's arbiter (the exec'd process)


# Socket activation, as systemd does it: the listening socket becomes fd 3 and LISTEN_PID names
# the process that gunicorn's arbiter will be (exec keeps the pid), so gunicorn serves on the
# socket this test bound to port 0 and still holds; no other process can take the port between.
_ACTIVATE = (
    "import os, sys\n"
    "os.dup2(int(sys.argv[1]), 3)\n"
    "os.environ.update(LISTEN_FDS='1', LISTEN_PID=str(os.getpid()))\n"
    "os.execv(sys.executable, [sys.executable, *sys.argv[2:]])\n"
)


def database_url() -> str:
    """The test database, as the application role (the suite's own login is not a production role)."""
    database, app = settings.DATABASES["default"], settings.DATABASE_APP
    password = f":{app['PASSWORD']}" if app["PASSWORD"] else ""
    return f"postgres://{app['USER']}{password}@{database['HOST']}:{database['PORT'] or 5432}/{database['NAME']}"


@pytest.fixture
def command_endpoint() -> Iterator[str]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = int(listener.getsockname()[1])
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
        [
            *(sys.executable, "-c", _ACTIVATE, str(listener.fileno())),
            *("manage.py", "rekognition_local", "--port", str(port), "--threads", "2"),
        ],
        cwd=PROJECT,
        env={
            **os.environ,
            "DATABASE_URL": database_url(),
            "VERITY_DB_ROLE": "app",
            "VERITY_LOCAL_REKOGNITION_CREDENTIALS": f"{ACCESS_KEY}:{SECRET}",
        },
        pass_fds=[listener.fileno()],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:  # the socket accepts connections at once; wait until gunicorn answers on it
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).close()
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.2)
        assert process.poll() is None, "rekognition_local exited"
        url = f"http://127.0.0.1:{port}"
        _SERVING[url] = process
        yield url
    finally:
        _SERVING.pop(f"http://127.0.0.1:{port}", None)
        process.terminate()
        process.wait(timeout=30)
        listener.close()


def test_the_command_serves_boto3(command_endpoint: str) -> None:
    client = rekognition_client(command_endpoint, ACCESS_KEY)
    client.create_collection(CollectionId="served")
    assert client.list_collections()["CollectionIds"] == ["served"]
    compared = client.compare_faces(
        SourceImage={"Bytes": photo("person_a_1")}, TargetImage={"Bytes": photo("person_a_2")}
    )
    assert compared["FaceMatches"][0]["Similarity"] >= 80


def test_the_command_refuses_to_serve_without_configured_credentials() -> None:
    completed = subprocess.run(
        [sys.executable, "manage.py", "rekognition_local", "--port", "0"],
        cwd=PROJECT,
        env={**os.environ, "DATABASE_URL": database_url(), "VERITY_LOCAL_REKOGNITION_CREDENTIALS": ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode != 0
    assert "VERITY_LOCAL_REKOGNITION_CREDENTIALS" in completed.stderr


def test_ctrl_c_stops_the_endpoint_and_its_worker_at_once(command_endpoint: str) -> None:
    client = rekognition_client(command_endpoint, ACCESS_KEY)
    client.detect_faces(Image={"Bytes": photo("person_a_1")})  # the models at work, a kept-alive connection
    master = _SERVING[command_endpoint]
    [worker] = _children(master.pid)

    for pid in (master.pid, worker):  # as Ctrl-C in a terminal: every process of the foreground group
        os.kill(pid, signal.SIGINT)

    # Left to gunicorn, a worker holding the models now and then hung until the graceful timeout (10 s).
    assert master.wait(timeout=8) == 0
    with pytest.raises(ProcessLookupError):
        os.kill(worker, 0)


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux's /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.parametrize(("leaving", "status"), [(SystemExit(3), 3), (SystemExit(0), 0), (None, 0)])
def test_a_worker_ends_with_the_status_it_was_leaving_with(
    monkeypatch: pytest.MonkeyPatch, leaving: SystemExit | None, status: int
) -> None:
    ended: list[int] = []
    monkeypatch.setattr(rekognition_local.os, "_exit", ended.append)
    try:
        try:
            if leaving is not None:
                raise leaving
        finally:
            rekognition_local._exit_now(None, None)
    except SystemExit:
        pass
    assert ended == [status]
