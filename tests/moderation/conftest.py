"""Fixtures for moderation: real photos, Rekognition answers in taxonomy 7, a Stubber on the tenant's client."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber
from django.db import connections
from django.db.backends.signals import connection_created

from config.aws import aws_client
from tenants.models import Tenant
from tests.browser.conftest import _skip_triggers
from tests.conftest import OWNER, ROLE_CREDENTIALS, _swap_credentials

FACES = Path(__file__).resolve().parents[1] / "fixtures" / "faces"
MODEL_VERSION = "7.0"


def label(name: str, confidence: float, parent: str = "", level: int | None = None) -> dict[str, Any]:
    """A ModerationLabel as Rekognition answers it (taxonomy 7 names)."""
    level = level if level is not None else (1 if not parent else 2)
    return {"Name": name, "ParentName": parent, "TaxonomyLevel": level, "Confidence": confidence}


def violence(confidence: float) -> list[dict[str, Any]]:
    """Weapon violence at three levels, as DetectModerationLabels reports it."""
    return [
        label("Violence", confidence),
        label("Graphic Violence", confidence, "Violence"),
        label("Weapon Violence", confidence, "Graphic Violence", 3),
    ]


def answer(labels: list[dict[str, Any]]) -> dict[str, Any]:
    return {"ModerationLabels": labels, "ModerationModelVersion": MODEL_VERSION}


@pytest.fixture
def photo() -> bytes:
    """A real portrait (tests/fixtures/faces/CREDITS.md): safe content."""
    return (FACES / "person_b_1.jpg").read_bytes()


@pytest.fixture
def photo_b64(photo: bytes) -> str:
    return base64.b64encode(photo).decode()


def rekognition_stub(tenant: Tenant) -> Stubber:
    return Stubber(aws_client("rekognition", tenant.region))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """A test without a transaction around it (``transactional_db``) is flushed as the owner, with
    triggers off (the application role may not TRUNCATE, and audit tables refuse it to everyone),
    then the connections go back to the application role. The flush is pytest-django's teardown,
    so it is wrapped here rather than in a fixture that might be torn down before it."""
    committed = "transactional_db" in getattr(item, "fixturenames", ())
    if committed:
        _swap_credentials(dict.fromkeys(connections, OWNER))
        connection_created.connect(_skip_triggers)
    try:
        return (yield)
    finally:
        if committed:
            connection_created.disconnect(_skip_triggers)
            _swap_credentials(ROLE_CREDENTIALS)
