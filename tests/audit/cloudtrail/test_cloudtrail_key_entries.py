"""Published public-key entries read back exactly: the validity period survives, and a Value that is
not strict base64 is refused rather than silently cleaned up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from audit.cloudtrail.signing import KeyRing, PublicKey

T0 = datetime(2024, 3, 1, tzinfo=UTC)


def test_a_published_entry_reads_back_with_its_validity_period() -> None:
    ring = KeyRing.generate(valid_from=T0)
    old = ring.active
    rotated_at = T0 + timedelta(days=30)
    ring.rotate(at=rotated_at)
    published = {entry["Fingerprint"]: entry for entry in ring.public_keys_json()}

    key = PublicKey.from_json(published[old.fingerprint])

    assert (key.valid_from, key.valid_until) == (T0, rotated_at)


def test_a_value_with_characters_outside_base64_is_refused() -> None:
    [entry] = KeyRing.generate(valid_from=T0).public_keys_json()
    value = entry["Value"]

    with pytest.raises(ValueError, match="malformed"):
        PublicKey.from_json({**entry, "Value": value[:10] + "!" + value[10:]})
