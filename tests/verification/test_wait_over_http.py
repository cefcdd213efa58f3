"""``?wait=`` against a served app: the request commits, a worker finishes, the answer is the final state.

The app is served over HTTP from threads with their own autocommit connections, as gunicorn
serves it, and the task runs in a worker thread of its own once the request has committed, as
a Celery worker would: nothing shares the test's transaction, so the rows are committed and
removed afterwards.
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connections

from tenants.scope import tenant_scope
from tenants.services import apikey_create
from tests.committed import delete_tenant_as_owner, in_own_connection
from tests.factories import TenantFactory, with_key_and_bucket
from tests.verification.conftest import photo
from verification import tasks
from vision.services import collections_ensure

pytestmark = pytest.mark.django_db


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            connections.close_all()


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def served(aws_and_rekognition: None, settings: Any) -> Iterator[tuple[str, str]]:
    """(base URL, API key) of the app served over HTTP, for a committed tenant on the local engine."""
    settings.VERITY_VISION_RETRY_BASE_DELAY = 0.001

    def committed_tenant() -> tuple[int, str]:
        tenant = with_key_and_bucket(TenantFactory())  # uploads are stored in its bucket (moto)
        with tenant_scope(tenant):
            collections_ensure(tenant=tenant)
            return tenant.pk, apikey_create(tenant=tenant, name="wait").token

    tenant_id, token = in_own_connection(committed_tenant)
    server = make_server("127.0.0.1", 0, WSGIHandler(), server_class=_Server, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", token
    finally:
        server.shutdown()
        server.server_close()
        delete_tenant_as_owner(tenant_id)


def _worker(monkeypatch: pytest.MonkeyPatch, deliver: bool) -> ThreadPoolExecutor:
    """A worker thread that runs each enqueued verification task (after a JSON round trip), or drops it."""
    worker = ThreadPoolExecutor(max_workers=1)

    def run(args: list[Any]) -> None:
        try:
            tasks.process_verification.apply(args=args, throw=True)
        finally:
            connections.close_all()

    def send(args: Any = (), kwargs: Any = None, **options: Any) -> None:
        if deliver:
            worker.submit(run, json.loads(json.dumps(list(args))))

    monkeypatch.setattr(tasks.process_verification, "apply_async", send)
    return worker


def _post_identification(url: str, token: str, wait: int) -> tuple[int, dict[str, Any]]:
    body = {"type": "identification", "selfie": {"bytes": base64.b64encode(photo("person_b_1")).decode()}}
    request = urllib.request.Request(  # noqa: S310 - the test's own server
        f"{url}/v1/verifications?wait={wait}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        return response.status, json.loads(response.read())


def _after(worker: ThreadPoolExecutor, call: Callable[[], Any]) -> Any:
    try:
        return call()
    finally:
        worker.shutdown(wait=True)


def test_wait_answers_201_with_the_final_state_once_the_worker_has_finished(
    served: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = _worker(monkeypatch, deliver=True)

    status, verification = _after(worker, lambda: _post_identification(*served, wait=20))

    assert status == 201
    # Nobody is registered in this tenant: the final state is a rejection for want of a match.
    assert (verification["status"], [reason["code"] for reason in verification["reasons"]]) == (
        "rejected",
        ["identification.no_match"],
    )
    assert [step["name"] for step in verification["steps"]] == ["quality", "identify"]
    assert verification["finished_at"] is not None


def test_wait_answers_202_with_the_state_so_far_when_no_worker_finishes_in_time(
    served: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = _worker(monkeypatch, deliver=False)

    status, verification = _after(worker, lambda: _post_identification(*served, wait=1))

    assert status == 202
    assert verification["status"] == "pending"
    assert verification["finished_at"] is None
