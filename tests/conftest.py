"""Test harness: real PostgreSQL with the application role, moto for AWS, API clients per tenant.

Both aliases log in as the suite's test role, a member of the application and the platform
role whose connections start as the application role (tests/settings.py); each scope takes its
own role for its transaction, so row-level security is in force as in production, while a
test's platform work shares the test's transaction. A database test runs in pytest-django's
rolled-back transaction on ``default``; the ``audit`` connection commits for real, as it does in
production, so what it records outlives any rollback a test provokes (audit rows can never be
deleted: each test's tenants are new, so they stay out of other tests' way).
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from django.db.backends.signals import connection_created
from rest_framework.test import APIClient

from audit.recording import AUDIT_DATABASE
from tenants.management.commands.db_setup import ensure_app_role, ensure_roles, grant_role, owner_conninfo
from tenants.models import ApiKey, Tenant
from tenants.scope import platform_scope, tenant_scope
from tenants.services import apikey_create
from tests.factories import TenantFactory

OWNER_KEYS = ("USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
TEST_DATABASES = ("default", AUDIT_DATABASE)
# Each alias's own credentials, before the harness swaps in the owner's to migrate.
OWNER = {"OPTIONS": {}} | settings.DATABASE_OWNER
ROLE_CREDENTIALS = {alias: {key: settings.DATABASES[alias][key] for key in OWNER_KEYS} for alias in settings.DATABASES}


def _swap_credentials(credentials: dict[str, dict[str, Any]]) -> None:
    for alias in connections:
        connections[alias].close()
        for key in OWNER_KEYS:
            connections[alias].settings_dict[key] = credentials[alias][key]
            settings.DATABASES[alias][key] = credentials[alias][key]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A database test may use the audit connection as well as the default one."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        uses_db = marker is not None or {"db", "transactional_db"} & set(getattr(item, "fixturenames", ()))
        if uses_db and (marker is None or "databases" not in marker.kwargs):
            kwargs = dict(marker.kwargs) if marker is not None else {}
            args = marker.args if marker is not None else ()
            item.add_marker(pytest.mark.django_db(*args, databases=TEST_DATABASES, **kwargs), append=False)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """Create and migrate the test database as the owner role."""
    conninfo = owner_conninfo()
    ensure_roles(conninfo)
    # The suite's one login: it may take either role but has no rights of its own (NOINHERIT).
    ensure_app_role(conninfo, settings.TEST_LOGIN_ROLE, None, options="NOINHERIT")
    for role in (settings.DATABASE_APP_ROLE, settings.DATABASE_PLATFORM_ROLE):
        grant_role(conninfo, role, settings.TEST_LOGIN_ROLE)
    _swap_credentials(dict.fromkeys(connections, OWNER))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Then run every test as the application role, so row-level security is in force."""
    _swap_credentials(ROLE_CREDENTIALS)
    yield
    _swap_credentials(dict.fromkeys(connections, OWNER))


def _skip_triggers(sender: Any, connection: Any, **kwargs: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """A test without a transaction around it (``transactional_db``, or the live server's, which
    needs committed data) is flushed as the owner, with triggers off (the application role may not
    TRUNCATE, and audit tables refuse it to everyone), then the connections go back to the
    application role. The flush is pytest-django's teardown, so it is wrapped here rather than in a
    fixture, which pytest might tear down before it."""
    committed = bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))
    if committed:
        _swap_credentials(dict.fromkeys(connections, OWNER))
        connection_created.connect(_skip_triggers)
    try:
        return (yield)
    finally:
        if committed:
            connection_created.disconnect(_skip_triggers)
            _swap_credentials(ROLE_CREDENTIALS)


@pytest.fixture(autouse=True)
def _audit_connection_commits(request: pytest.FixtureRequest) -> Iterator[None]:
    """In a database test, take the audit connection out of the test's transaction.

    It commits for real, as in production, so a test can roll back a business transaction and
    still find what the audit connection committed. pytest-django rolls the reopened block back.
    """
    if request.node.get_closest_marker("django_db") is None:
        yield
        return
    request.getfixturevalue("_django_db_helper")
    connection = connections[AUDIT_DATABASE]
    if not connection.atomic_blocks:  # a transactional test: nothing wraps it, everything commits
        yield
        return
    test_block = connection.atomic_blocks[0]
    test_block.__exit__(None, None, None)  # nothing was written on it yet
    yield
    test_block.__enter__()


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A local port nothing answers on: bound (port 0, so the system picks it) and kept, never listening.

    Keeping the socket means no other process can take the port while the test relies on it.
    """
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield int(held.getsockname()[1])


@pytest.fixture(autouse=True)
def _isolated_rate_limits(settings: Any) -> None:
    settings.VERITY_DEFAULT_API_KEY_RATE = "1000/second"
    settings.VERITY_ANONYMOUS_API_RATE = "1000/second"
    settings.VERITY_SIGNIN_FAILURE_RATE = "1000/second"
    settings.VERITY_SIGNIN_FAILURE_IP_RATE = "1000/second"


@pytest.fixture(autouse=True)
def _fresh_aws_clients() -> Iterator[None]:
    """No test sees a cached boto3 client built under another test's mock, Stubber or endpoint."""
    from config.aws import reset_clients

    reset_clients()
    yield
    reset_clients()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from moto import mock_aws

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield


@pytest.fixture(scope="session")
def rekognition_endpoint(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """The local Rekognition endpoint in a thread of this process, with empty tables.

    Its threads use their own connections: they never see a test's transaction, and what they
    write is committed. moto's ``mock_aws`` leaves its requests alone (its URL is not AWS's).
    It accepts the key pairs tests register in ``ACCEPTED_KEYS``.
    """
    from tests.vision.endpoint.endpoint_helpers import ACCEPTED_KEYS
    from vision.local.models import Collection, LivenessSession, ModerationJob
    from vision.local.server import LocalRekognition, serve_in_background

    with django_db_blocker.unblock():
        for model in (Collection, LivenessSession, ModerationJob):
            model.objects.all().delete()
    server = serve_in_background(LocalRekognition(secret_for=ACCEPTED_KEYS.get))
    yield server.url
    server.close()


@pytest.fixture
def aws_and_rekognition(aws: None, rekognition_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto for S3/KMS/SNS/SQS and the local endpoint for Rekognition, as `make run` wires them."""
    from config.aws import reset_clients
    from tests.vision.endpoint.endpoint_helpers import ACCEPTED_KEYS

    access_key = f"test{uuid.uuid4().hex[:16]}"  # a Rekognition account of its own
    ACCEPTED_KEYS[access_key] = "testing"
    monkeypatch.setenv("AWS_ENDPOINT_URL_REKOGNITION", rekognition_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")  # mock_aws put a fake one of its own
    reset_clients()
    yield
    reset_clients()


@pytest.fixture
def test_mode_engine(rekognition_endpoint: str, settings: Any) -> str:
    """Test mode's engine: the local endpoint (settings only; live calls keep moto or a Stubber)."""
    from tests.vision.endpoint.endpoint_helpers import ACCEPTED_KEYS

    access_key = f"testmode{uuid.uuid4().hex[:12]}"
    ACCEPTED_KEYS[access_key] = "testing"
    settings.VERITY_TEST_MODE_REKOGNITION_URL = rekognition_endpoint
    settings.VERITY_TEST_MODE_REKOGNITION_CREDENTIALS = f"{access_key}:testing"
    return rekognition_endpoint


@dataclass
class Caller:
    tenant: Tenant
    api_key: ApiKey
    token: str
    client: APIClient


def make_caller(tenant: Tenant | None = None, **key_options: Any) -> Caller:
    tenant = tenant or TenantFactory()
    with tenant_scope(tenant):
        issued = apikey_create(tenant=tenant, **key_options)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.token}")
    return Caller(tenant=tenant, api_key=issued.api_key, token=issued.token, client=client)


def make_test_caller(live: Tenant, **key_options: Any) -> Caller:
    """A vk_test_ caller of ``live``: its tenant is the test twin, made by its first request."""
    issued = make_caller(live, mode="test", **key_options)
    first = issued.client.get("/v1/tenant")
    assert first.status_code == 200, first.content
    with platform_scope():
        twin = Tenant.objects.get(live_tenant=live)
    return Caller(tenant=twin, api_key=issued.api_key, token=issued.token, client=issued.client)


@pytest.fixture
def caller(db: None) -> Caller:
    return make_caller()


@pytest.fixture
def two_tenants(db: None) -> tuple[Caller, Caller]:
    return make_caller(), make_caller()


@pytest.fixture
def fake_credentials(monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[None]:
    """Fake credentials for clients a Stubber answers (no instance-metadata lookups), millisecond retries,
    clients built afresh."""
    from config.aws import reset_clients

    settings.VERITY_VISION_RETRY_BASE_DELAY = 0.001
    settings.VERITY_VISION_RETRY_MAX_DELAY = 0.004
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    reset_clients()
    yield
    reset_clients()
