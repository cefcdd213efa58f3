"""Hourly digests: delivered to the tenant's bucket, signed with CloudTrail's string to sign, chained, rotatable."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from audit.cloudtrail.validate import validate_export
from audit.digests import digest_pending_hours, public_keys, signing_key_rotate, signing_keyring
from audit.integrity import chain_verify
from audit.models import AuditDigest, SigningKey
from audit.recording import chain_seal
from audit.storage import trail_prefix
from config.aws import aws_client
from tenants.models import Tenant
from tenants.scope import platform_scope, tenant_scope
from tests.audit.events import record_verification_event
from tests.committed import in_own_connection, owner_connection
from tests.factories import TenantFactory, as_edge

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)
START = datetime(2025, 3, 1, 9, tzinfo=UTC)
NOW = START + 3 * HOUR + timedelta(minutes=30)  # hours 09, 10 and 11 are complete


@pytest.fixture
def tenant(tenant_bucket: Callable[[Tenant], None]) -> Tenant:
    tenant = TenantFactory()
    tenant_bucket(tenant)
    for minutes in (1, 7, 59, 61, 170):  # three in the 09:00 hour, one at 10:01, one at 11:50
        record_verification_event(
            tenant, request_parameters={"external_id": f"cust-{minutes}"}, event_time=START + timedelta(minutes=minutes)
        )
    return tenant


def download_trail(tenant: Tenant, root: Path) -> Path:
    s3 = aws_client("s3", tenant.region)
    prefix = trail_prefix(tenant)
    for item in s3.list_objects_v2(Bucket=tenant.storage_bucket, Prefix=prefix).get("Contents", []):
        path = root / item["Key"].removeprefix(prefix)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(s3.get_object(Bucket=tenant.storage_bucket, Key=item["Key"])["Body"].read())
    return root


def test_each_complete_hour_gets_a_signed_digest_chained_to_the_previous_one(tenant: Tenant) -> None:
    made = as_edge(digest_pending_hours, tenant=tenant, now=NOW)

    assert [(digest.start_time, digest.record_count) for digest in made] == [
        (START, 3),
        (START + HOUR, 1),
        (START + 2 * HOUR, 1),
    ]
    assert as_edge(digest_pending_hours, tenant=tenant, now=NOW) == []  # nothing more is due
    contents = [json.loads(digest.digest) for digest in made]
    assert contents[0]["previousDigestSignature"] is None
    assert contents[1]["previousDigestSignature"] == made[0].signature
    assert contents[1]["previousDigestHashValue"] == made[0].sha256
    assert contents[2]["digestStartTime"] == "2025-03-01T11:00:00Z"
    assert contents[0]["digestS3Bucket"] == tenant.storage_bucket
    assert contents[0]["digestS3Object"] == made[0].key
    assert len(contents[0]["logFiles"]) == 3  # one per five-minute slot that had events, as CloudTrail
    with tenant_scope(tenant):
        assert chain_verify(tenant=tenant).ok


def test_the_signature_verifies_against_an_independently_built_string_to_sign(tenant: Tenant) -> None:
    first, second = as_edge(digest_pending_hours, tenant=tenant, now=NOW)[:2]
    key_row = SigningKey.objects.get()
    public_key = serialization.load_der_public_key(bytes(key_row.public_key_der))
    assert isinstance(public_key, rsa.RSAPublicKey)
    assert key_row.fingerprint == hashlib.md5(bytes(key_row.public_key_der), usedforsecurity=False).hexdigest()

    for digest, previous in ((first, None), (second, first)):
        raw = digest.digest.encode()
        body = json.loads(raw)
        assert hashlib.sha256(raw).hexdigest() == digest.sha256
        assert body["digestPublicKeyFingerprint"] == key_row.fingerprint
        assert body["digestSignatureAlgorithm"] == "SHA256withRSA"
        string_to_sign = "\n".join(
            [
                body["digestEndTime"],
                f"{body['digestS3Bucket']}/{body['digestS3Object']}",
                hashlib.sha256(raw).hexdigest(),
                previous.signature if previous else "null",
            ]
        ).encode()
        public_key.verify(bytes.fromhex(digest.signature), string_to_sign, padding.PKCS1v15(), hashes.SHA256())


def test_the_delivered_trail_validates_offline(tenant: Tenant, tmp_path: Path) -> None:
    as_edge(digest_pending_hours, tenant=tenant, now=NOW)
    root = download_trail(tenant, tmp_path / "trail")
    report = validate_export(root, bucket=tenant.storage_bucket)
    assert report.findings == []
    assert report.digests_checked == 3
    # The delivered digest is byte for byte the one kept in the database.
    with tenant_scope(tenant):
        digest = AuditDigest.objects.order_by("end_time").first()
    assert digest is not None
    assert gzip.decompress((root / digest.key).read_bytes()).decode() == digest.digest


def test_rotation_keeps_old_keys_published_and_signs_new_hours_with_the_new_key(tenant: Tenant, tmp_path: Path) -> None:
    first = as_edge(digest_pending_hours, tenant=tenant, now=START + 2 * HOUR + timedelta(minutes=10))
    assert len(first) == 2
    old = SigningKey.objects.get()
    with pytest.raises(ValueError, match="already signed"):
        as_edge(signing_key_rotate, at=START + HOUR + timedelta(minutes=30))
    rotated = as_edge(signing_key_rotate, at=START + 2 * HOUR + timedelta(minutes=30))
    later = as_edge(digest_pending_hours, tenant=tenant, now=NOW)

    assert [digest.fingerprint for digest in [*first, *later]] == [
        old.fingerprint,
        old.fingerprint,
        rotated.fingerprint,
    ]
    published = {key.fingerprint: key for key in public_keys()}
    assert set(published) == {old.fingerprint, rotated.fingerprint}
    assert published[old.fingerprint].valid_until == rotated.valid_from
    root = download_trail(tenant, tmp_path / "trail")
    assert validate_export(root).findings == []
    with tenant_scope(tenant):
        assert chain_verify(tenant=tenant).ok


def test_an_hour_is_not_digested_while_an_older_transaction_could_still_add_to_it(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    from audit import digests

    monkeypatch.setattr(digests, "_oldest_open_transaction", lambda: START + HOUR + timedelta(minutes=20))
    made = as_edge(digest_pending_hours, tenant=tenant, now=NOW)
    assert [digest.end_time for digest in made] == [START + HOUR]


def test_an_event_sealed_after_its_hour_was_delivered_is_reported_as_late(tenant: Tenant) -> None:
    as_edge(digest_pending_hours, tenant=tenant, now=NOW)
    record_verification_event(tenant, event_time=START + timedelta(minutes=30))
    chain_seal(tenant_id=tenant.pk)
    with tenant_scope(tenant):
        report = chain_verify(tenant=tenant)
    assert report.ok  # nothing that was signed changed
    assert report.late_events == 1


def test_a_record_changed_after_delivery_no_longer_matches_its_signed_digest(
    tenant_bucket: Callable[[Tenant], None], committed_tenant: Callable[..., Tenant]
) -> None:
    tenant = committed_tenant(region="us-east-1")
    tenant_bucket(tenant)

    def write() -> None:
        for minutes in (5, 10):
            record_verification_event(
                tenant,
                request_parameters={"external_id": f"cust-{minutes}"},
                event_time=START + timedelta(minutes=minutes),
            )

    in_own_connection(write)
    [digest] = in_own_connection(as_edge, digest_pending_hours, tenant=tenant, now=START + HOUR + timedelta(minutes=10))
    with owner_connection() as owner, owner.transaction():
        owner.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        owner.execute(
            "UPDATE audit_auditevent SET record = replace(record::text, 'cust-10', 'cust-99')::json "
            "WHERE tenant_id = %s",
            [tenant.pk],
        )
        owner.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")

    with tenant_scope(tenant):
        report = chain_verify(tenant=tenant)
    assert any(problem.digest == digest.key and "signed at delivery" in problem.reason for problem in report.problems)


def test_a_rotation_that_rolls_back_leaves_no_key_behind_in_the_signing_ring(monkeypatch: pytest.MonkeyPatch) -> None:
    with platform_scope():
        active = signing_keyring().active.fingerprint
        monkeypatch.setattr("audit.digests.record_system_event", _refuse)
        with pytest.raises(RuntimeError, match="audit unavailable"):
            signing_key_rotate(at=datetime.now(UTC) + timedelta(days=1))
        assert signing_keyring().active.fingerprint == active
        assert SigningKey.objects.filter(valid_until__isnull=True).count() == 1


def _refuse(**_: object) -> None:
    raise RuntimeError("audit unavailable")
