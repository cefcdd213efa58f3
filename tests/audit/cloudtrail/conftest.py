"""Fixtures for the CloudTrail export tests (pure Python: no database, no Django)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from audit.cloudtrail.signing import KeyRing
from tests.audit.cloudtrail.trail_helpers import START, Trail, write_trail


@pytest.fixture(scope="session")
def keyring() -> KeyRing:
    """One signing key for the whole session: RSA key generation is the slow part."""
    return KeyRing.generate(valid_from=START - timedelta(days=1))


@pytest.fixture
def trail(tmp_path: Path, keyring: KeyRing) -> Trail:
    """The standard four-hour export, written fresh for each test that may tamper with it."""
    return write_trail(tmp_path / "export", keyring)
