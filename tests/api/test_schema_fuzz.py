"""Schema fuzzing: schemathesis drives every operation of /v1/schema and checks the answers.

No 5xx, and every response (errors included) conforms to the documented schema.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from tests.conftest import make_caller

schema = schemathesis.openapi.from_wsgi("/v1/schema", application)


@pytest.fixture
def token(db: None, settings: Any) -> Iterator[str]:
    # Calls go straight to the WSGI app, whose request signals would close the test's connection
    # (Django's test client disconnects them the same way).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    settings.VERITY_DEFAULT_API_KEY_RATE = "100000/second"
    yield make_caller().token
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.fuzz
@schema.parametrize()
@settings(
    # Deterministic in `make test`; VERITY_FUZZ_EXAMPLES=2000 explores further with fresh random data.
    max_examples=int(os.environ.get("VERITY_FUZZ_EXAMPLES", "60")),
    derandomize="VERITY_FUZZ_EXAMPLES" not in os.environ,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case: schemathesis.Case, token: str) -> None:
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
    case.call_and_validate(
        checks=[not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
    )
