"""The Python client (sdk/python) against the app served by pytest-django's live server.

The server's threads use connections of their own, so these tests use ``transactional_db``
(tests/conftest.py: committed, then flushed as the owner). Each client is closed after its test,
so no keep-alive connection holds a server thread (and its database connection) open.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from verity_client import Verity

from tests.conftest import Caller, make_caller


@pytest.fixture
def committed_caller(transactional_db: None) -> Caller:
    """A tenant and an API key, committed: the live server sees them."""
    return make_caller()


@pytest.fixture
def verity(live_server: Any, committed_caller: Caller) -> Iterator[Verity]:
    with Verity(committed_caller.token, base_url=live_server.url) as client:
        yield client
