"""Fixtures for moderation: real photos, Rekognition answers in taxonomy 7, a Stubber on the tenant's client."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from config.aws import aws_client
from tenants.models import Tenant

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
