"""The client's transport on answers the app gives rarely or not on demand (a stand-in transport): 503 and
429 with Retry-After in seconds or as an HTTP date, no Retry-After, too long a wait, the attempt cap; the
same Idempotency-Key and body on every attempt; and ``next`` links naming another host."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from verity_client import Retries, Verity
from verity_client.client import retry_after_seconds
from verity_client.generated.api.subjects import subjects_create, subjects_list
from verity_client.generated.errors import UnexpectedStatus
from verity_client.generated.models import SubjectListViewInputRequest, SubjectOutput

BASE_URL = "https://verity.example.com"
SUBJECT = {
    "livemode": True,
    "id": "sub_1",
    "external_id": "customer-1",
    "metadata": {},
    "sensitive_metadata": {},
    "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
}
PROBLEM = {"type": "about:blank", "title": "Busy", "detail": "Try later.", "code": "engine_throttled"}


def _problem(status: int, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=PROBLEM | {"status": status}, headers=headers)


class Server(httpx.BaseTransport):
    """Answers each request with the next of ``answers``, reading its body from its stream as a real
    transport does (httpx.MockTransport reads the whole request first, which would hide a stream that
    cannot be sent twice)."""

    def __init__(self, answers: Iterable[httpx.Response]) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.bodies: list[bytes] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.bodies.append(b"".join(request.stream))  # type: ignore[arg-type]
        return self.answers.pop(0)


def _client(server: Server, waits: list[float], **retries: float) -> Verity:
    policy = Retries(sleep=waits.append, **retries)  # type: ignore[arg-type]
    return Verity("vk_test_key", base_url=BASE_URL, retries=policy, transport=server)


def _create(verity: Verity, headers: dict[str, str] | None = None) -> int:
    """A POST through the client's HTTP layer: its status, whatever it is (the generated functions raise
    ``UnexpectedStatus`` for one their operation does not document)."""
    return verity.http.post("/v1/subjects", json={"external_id": "customer-1"}, headers=headers).status_code


def test_a_503_with_retry_after_seconds_is_sent_again_with_the_same_key_and_body() -> None:
    server = Server([_problem(503, {"Retry-After": "2"}), httpx.Response(201, json=SUBJECT)])
    waits: list[float] = []
    body = SubjectListViewInputRequest(external_id="customer-1")
    created = subjects_create.sync(client=_client(server, waits).api, body=body)
    assert isinstance(created, SubjectOutput)
    assert created.id == "sub_1"
    assert waits == [2.0]
    first, second = server.requests
    key = first.headers["Idempotency-Key"]
    assert uuid.UUID(key).version == 4
    assert second.headers["Idempotency-Key"] == key
    assert json.loads(server.bodies[0]) == {"external_id": "customer-1"}
    assert server.bodies[1] == server.bodies[0]
    assert first.headers["Authorization"] == "Bearer vk_test_key"


def test_a_429_with_retry_after_as_an_http_date_waits_until_that_date() -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    server = Server([_problem(429, {"Retry-After": later}), httpx.Response(200, json={})])
    waits: list[float] = []
    assert _client(server, waits).http.get("/v1/tenant").status_code == 200
    assert len(server.requests) == 2
    (wait,) = waits
    assert 18 <= wait <= 20


def test_without_retry_after_the_wait_doubles_with_jitter() -> None:
    server = Server([_problem(503), _problem(503), _problem(503), httpx.Response(201, json=SUBJECT)])
    waits: list[float] = []
    assert _create(_client(server, waits, max_attempts=4, backoff=1.0)) == 201
    assert len(waits) == 3
    for wait, ceiling in zip(waits, (1.0, 2.0, 4.0), strict=True):
        assert ceiling / 2 <= wait <= ceiling


def test_attempts_are_capped_and_the_last_answer_is_returned() -> None:
    server = Server([_problem(503, {"Retry-After": "1"}) for _ in range(3)])
    waits: list[float] = []
    assert _create(_client(server, waits, max_attempts=3)) == 503
    assert len(server.requests) == 3
    assert waits == [1.0, 1.0]
    assert len({request.headers["Idempotency-Key"] for request in server.requests}) == 1


def test_a_status_the_operation_does_not_document_raises_unexpected_status() -> None:
    server = Server([_problem(503, {"Retry-After": "1"}) for _ in range(2)])
    body = SubjectListViewInputRequest(external_id="customer-1")
    with pytest.raises(UnexpectedStatus) as raised:
        subjects_create.sync(client=_client(server, [], max_attempts=2).api, body=body)
    assert raised.value.status_code == 503
    assert len(server.requests) == 2


def test_a_wait_longer_than_max_wait_is_not_waited_for() -> None:
    server = Server([_problem(429, {"Retry-After": "3600"})])
    waits: list[float] = []
    assert _create(_client(server, waits, max_wait=30)) == 429
    assert (len(server.requests), waits) == (1, [])


@pytest.mark.parametrize("status", [500, 502, 409, 400])
def test_other_failures_are_returned_without_retrying(status: int) -> None:
    server = Server([_problem(status, {"Retry-After": "1"})])
    waits: list[float] = []
    assert _create(_client(server, waits)) == status
    assert (len(server.requests), waits) == (1, [])


def test_a_get_carries_no_idempotency_key_and_a_callers_key_is_kept() -> None:
    server = Server([httpx.Response(200, json={}), httpx.Response(201, json=SUBJECT)])
    verity = _client(server, [])
    verity.http.get("/v1/tenant")
    _create(verity, headers={"Idempotency-Key": "order-1234"})
    get, post = server.requests
    assert "Idempotency-Key" not in get.headers
    assert post.headers["Idempotency-Key"] == "order-1234"


def test_a_streamed_body_is_sent_again_whole() -> None:
    server = Server([_problem(503, {"Retry-After": "0"}), httpx.Response(201, json=SUBJECT)])
    chunks = (chunk for chunk in (b"\xff\xd8 image", b" bytes"))  # a generator: readable once
    assert _client(server, []).http.post("/v1/verifications", content=chunks).status_code == 201
    assert server.bodies == [b"\xff\xd8 image bytes"] * 2


def test_later_pages_follow_next_on_the_clients_own_base_url() -> None:
    page = {"previous": None, "results": [SUBJECT]}
    server = Server(
        [
            httpx.Response(200, json=page | {"next": "http://10.0.0.5:8000/v1/subjects?cursor=abc&external_id=x"}),
            httpx.Response(200, json=page | {"next": None}),
        ]
    )
    items = list(_client(server, []).paginate(subjects_list.sync, external_id="x"))
    assert [item.id for item in items] == ["sub_1", "sub_1"]
    assert [str(request.url) for request in server.requests] == [
        f"{BASE_URL}/v1/subjects?external_id=x",
        f"{BASE_URL}/v1/subjects?cursor=abc&external_id=x",
    ]
    assert all(request.headers["Authorization"] == "Bearer vk_test_key" for request in server.requests)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("5", 5.0),
        (" 120 ", 120.0),
        ("Wed, 21 Oct 2026 07:28:30 GMT", 30.0),
        ("Wed, 21 Oct 2026 07:27:00 GMT", 0.0),  # in the past: now
        ("-1", None),
        ("1.5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(value: str | None, seconds: float | None) -> None:
    now = datetime(2026, 10, 21, 7, 28, 0, tzinfo=UTC)
    assert retry_after_seconds(value, now=now) == seconds
