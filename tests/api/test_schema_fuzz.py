"""Schema fuzzing: schemathesis runs every phase and every check of /v1/schema against a live server.

The phases (examples, coverage, fuzzing, stateful) and checks are schemathesis's own, the ones
its CLI runs; the requests travel over HTTP to the WSGI app served in a thread on a free port.
The server thread shares the test's database connection, so what the run creates is rolled back.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from botocore.awsrequest import AWSResponse
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connections
from schemathesis.engine import events

from config.aws import aws_client
from tests.conftest import make_caller
from tests.factories import with_key_and_bucket

# moto implements neither liveness operation: these answer as Rekognition does for a new session,
# through botocore's own short-circuit (a before-call handler's answer, which is how Stubber works).
_LIVENESS_ANSWERS = {
    "CreateFaceLivenessSession": lambda params: {"SessionId": str(uuid.uuid4())},
    "GetFaceLivenessSessionResults": lambda params: {"SessionId": params["SessionId"], "Status": "CREATED"},
}


def _answer_liveness(model: Any, params: Any, **kwargs: Any) -> Any:
    answer = _LIVENESS_ANSWERS.get(model.name)
    if answer is None:
        return None
    return AWSResponse("https://rekognition.local", 200, {}, None), answer(json.loads(params.get("body") or b"{}"))


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def live_url(db: None) -> Iterator[str]:
    """The app on 127.0.0.1:<free port>, one request at a time on the test's own connection.

    A single-threaded server answers ``Connection: close`` and never uses the connection from two
    threads at once; request signals would close it (Django's test client disconnects them too).
    """
    connection = connections[DEFAULT_DB_ALIAS]
    server = WSGIServer(("127.0.0.1", 0), _QuietHandler, allow_reuse_address=False)
    server.set_app(WSGIHandler())

    def serve() -> None:
        connections[DEFAULT_DB_ALIAS] = connection
        try:
            server.serve_forever(poll_interval=0.05)
        finally:
            # What requests opened beside the shared connection (the audit log's own, for events
            # committed at once): left open, it kept the test database from being dropped.
            for alias in connections:
                if alias != DEFAULT_DB_ALIAS:
                    connections[alias].close()

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    connection.inc_thread_sharing()
    thread = threading.Thread(target=serve, name="live-api", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        connection.dec_thread_sharing()
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


# Rules between fields that JSON Schema cannot state: an export's range is whole UTC hours,
# start before end, at most 366 days (400 invalid_export_range, documented on the fields); a
# moderation policy's review_at <= reject_at per category of taxonomy 7; an image's bytes must be
# a real JPEG/PNG and an S3 reference must name the tenant's own bucket; statistics' and KPIs' from
# is before their to (400 invalid_period), KPIs over at most 366 days (400 period_too_long)
# (documented per operation).
_RANGE_RULES = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]
_CROSS_FIELD_RULES = [
    ("/v1/audit/exports", "POST"),
    ("/v1/moderation/policy", "PUT"),
    ("/v1/moderation/images", "POST"),
    ("/v1/moderation/videos", "POST"),
    ("/v1/moderation/stats", "GET"),
    ("/v1/kpis", "GET"),
]


def _config(token: str) -> schemathesis.Config:
    seeded = "VERITY_FUZZ_EXAMPLES" not in os.environ
    examples = int(os.environ.get("VERITY_FUZZ_EXAMPLES", "25"))
    return schemathesis.Config.from_dict(
        {
            # Deterministic in `make test`; VERITY_FUZZ_EXAMPLES=2000 explores further with fresh data.
            **({"seed": 1} if seeded else {}),
            "headers": {"Authorization": f"Bearer {token}"},
            "workers": 1,
            "continue-on-failure": True,
            "suppress-health-check": ["all"],
            "checks": {"enabled": True},
            # NUL is refused in every string (400 null_character, docs/errors.md): PostgreSQL cannot store it.
            "generation": {"mode": "all", "max-examples": examples, "deterministic": seeded, "allow-x00": False},
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": True, "max-steps": examples},
            },
            "operations": [
                {
                    "include-path": path,
                    "include-method": method,
                    "checks": {"positive_data_acceptance": {"expected-statuses": _RANGE_RULES}},
                }
                for path, method in _CROSS_FIELD_RULES
            ],
        }
    )


def _failures(event: events.EngineEvent) -> Iterator[str]:
    if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
        for case_id, checks in event.recorder.checks.items():
            for check in checks:
                if check.failure_info is not None:
                    response = event.recorder.find_response(case_id=case_id)
                    body = response.content[:300].decode(errors="replace") if response else ""
                    yield f"{check.name}: {check.failure_info.failure.title}\n{body}\n{check.failure_info.code_sample}"
    elif isinstance(event, events.NonFatalError | events.FatalError):
        yield repr(event)


@pytest.mark.fuzz
@pytest.mark.timeout(300)
@pytest.mark.usefixtures("aws")
def test_every_phase_and_check_of_the_schema_passes_against_a_live_server(live_url: str, settings: Any) -> None:
    settings.VERITY_DEFAULT_API_KEY_RATE = "100000/second"
    caller = make_caller()
    with_key_and_bucket(caller.tenant)  # sealed metadata and stored uploads use the tenant's key and bucket (moto)
    aws_client("rekognition", caller.tenant.region).meta.events.register(
        "before-call.rekognition.*", _answer_liveness, unique_id="fuzz-liveness"
    )
    schema = schemathesis.openapi.from_url(f"{live_url}/v1/schema", config=_config(caller.token))
    schema.config.update(base_url=live_url)
    phases: dict[str, str] = {}
    failures: set[str] = set()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.PhaseFinished):
            phases[event.phase.name.value] = event.status.value
        failures.update(_failures(event))
    assert sorted(failures) == []
    # Examples has nothing to run (the schema carries no examples); the others must have run.
    assert set(phases.values()) <= {"success", "skip"}
    assert [phases.get(name) for name in ("coverage", "fuzzing", "stateful")] == ["success"] * 3
