"""Signing keys and the hourly trail: each tenant's events delivered to its bucket with signed digests.

Every hour, for every tenant, the hour's events are written to ``<prefix>audit/trail/`` in the
tenant's bucket as CloudTrail log files plus a digest signed with the deployment's active key
and chained to the previous hour's digest — what CloudTrail itself delivers. The digest is also
kept in ``AuditDigest``: it anchors the database chain (a row rewritten later no longer matches
the log file hashes signed at the time) and it is what allows a retention purge to delete the
rows it covers.

Signing keys are per deployment and rotatable; a retired key keeps its row, so its public half
stays published and the digests it signed stay verifiable. Private keys are stored as PKCS#8
encrypted with a password derived from SECRET_KEY (HKDF-SHA256); keys still decrypt after a
SECRET_KEY rotation as long as the old one is listed in SECRET_KEY_FALLBACKS. Envelope
encryption under KMS would remove the dependency on SECRET_KEY; it is out of scope here.
"""

from __future__ import annotations

import base64
import logging
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.cloudtrail import signing
from audit.cloudtrail.export import GZIP_WBITS, SIGNATURE_SUFFIX, DigestRef, Sink, write_export
from audit.cloudtrail.layout import parse_digest_file_key
from audit.identity import verity_event_source
from audit.models import AuditDigest, AuditEvent, SigningKey, records_in_order
from audit.recording import chain_seal, record_system_event
from audit.storage import trail_prefix
from config.aws import aws_client
from tenants.models import Tenant
from tenants.scope import require_scope, scope_connection, scope_database

logger = logging.getLogger(__name__)

HOUR = timedelta(hours=1)
# An hour is digested this long after it ends at the earliest...
DIGEST_GRACE = timedelta(minutes=5)
# ...and never while a transaction that began before its end (less this margin for clock
# differences between servers) is still open: that transaction could still add to the hour.
CLOCK_SKEW = timedelta(minutes=1)
MAX_HOURS_PER_RUN = 48
# The first key of a deployment signs every digest before it, so a tenant's older hours can be
# digested whenever the trail catches up.
FIRST_KEY_VALID_FROM = datetime(1970, 1, 1, tzinfo=UTC)
_PASSWORD_INFO = b"verity.audit.signing-key.v1"
_SIGNING_KEYS_LOCK = "verity.audit.signing-keys"


# ---------------------------------------------------------------------------------------------
# Signing keys


def _password(secret: str) -> bytes:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PASSWORD_INFO).derive(secret.encode())
    return base64.urlsafe_b64encode(derived)


def _load_private(row: SigningKey) -> signing.SigningKey:
    pem = bytes(row.private_key_pem)
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    for secret in secrets:
        try:
            return signing.SigningKey.from_pem(
                pem, valid_from=row.valid_from, valid_until=row.valid_until, password=_password(secret)
            )
        except ValueError:
            continue
    raise RuntimeError(f"Signing key {row.fingerprint} cannot be decrypted with SECRET_KEY or its fallbacks.")


@dataclass
class _RingCache:
    version: tuple[tuple[int, datetime | None], ...] = ()
    ring: signing.KeyRing = field(default_factory=signing.KeyRing)


_ring_cache = _RingCache()


def signing_keyring() -> signing.KeyRing:
    """Every signing key of the deployment, creating the first one if there is none yet.

    Decrypting keys is slow-ish, so the ring is cached per process until a key is added or retired.
    """
    rows = list(SigningKey.objects.order_by("valid_from"))
    if not rows:
        rows = [_create_first_key()]
    version = tuple((row.pk, row.valid_until) for row in rows)
    if version != _ring_cache.version:
        _ring_cache.ring = signing.KeyRing(_load_private(row) for row in rows)
        _ring_cache.version = version
    return _ring_cache.ring


def _store(key: signing.SigningKey) -> SigningKey:
    return SigningKey.objects.create(
        fingerprint=key.fingerprint,
        public_key_der=key.public.der,
        private_key_pem=key.private_key_pem(_password(settings.SECRET_KEY)),
        valid_from=key.valid_from,
        valid_until=key.valid_until,
    )


def _lock_signing_keys() -> None:
    with scope_connection().cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [_SIGNING_KEYS_LOCK])


def _create_first_key() -> SigningKey:
    with transaction.atomic(using=scope_database()):
        _lock_signing_keys()
        existing = SigningKey.objects.order_by("valid_from").first()
        if existing is not None:
            return existing
        return _store(signing.SigningKey.generate(valid_from=FIRST_KEY_VALID_FROM))


def signing_key_rotate(*, at: datetime | None = None) -> SigningKey:
    """Retire the active key at ``at`` (default now) and make a fresh one active from then on.

    ``at`` may not be earlier than the end of a digest already signed: the retired key's
    published validity must still cover every digest it signed.
    """
    at = (at or timezone.now()).replace(microsecond=0)
    require_scope(platform=True)  # every tenant's digests
    try:
        return _rotate(at)
    finally:
        # The cached ring was changed in place; whether the rotation committed or rolled back,
        # the next signer reloads the keys from the database.
        _ring_cache.version = ()


def _rotate(at: datetime) -> SigningKey:
    with transaction.atomic():  # one transaction for the keys and the event
        _lock_signing_keys()
        latest = AuditDigest.objects.order_by("-end_time").values_list("end_time", flat=True).first()
        if latest is not None and at < latest:
            raise ValueError(f"digests up to {latest:%Y-%m-%dT%H:%M:%SZ} are already signed; rotate at or after that")
        fresh = signing_keyring().rotate(at=at)
        SigningKey.objects.filter(valid_until__isnull=True).update(valid_until=at)
        row = _store(fresh)
        record_system_event(
            tenant=None,
            event_source=verity_event_source("audit"),
            event_name="RotateSigningKey",
            details={"fingerprint": row.fingerprint, "validFrom": at.strftime("%Y-%m-%dT%H:%M:%SZ")},
        )
    return row


def public_keys() -> list[signing.PublicKey]:
    """Every key's public half, retired ones included (no private key is decrypted)."""
    return [
        signing.PublicKey(der=bytes(row.public_key_der), valid_from=row.valid_from, valid_until=row.valid_until)
        for row in SigningKey.objects.order_by("valid_from")
    ]


# ---------------------------------------------------------------------------------------------
# The hourly trail


class _CapturingSink:
    """Passes objects on to the tenant's bucket, keeping the digest's bytes and every key written."""

    def __init__(self, inner: Sink) -> None:
        self._inner = inner
        self.keys: list[str] = []
        self.digests: dict[str, bytes] = {}

    def put(self, key: str, data: bytes) -> None:
        self._inner.put(key, data)
        self.keys.append(key)
        if parse_digest_file_key(key) is not None:
            self.digests[key] = zlib.decompress(data, GZIP_WBITS)


def floor_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def complete_hours_end(now: datetime | None = None) -> datetime:
    """The end of the newest hour whose events are complete: no event can still arrive for it.

    That is an hour that ended DIGEST_GRACE ago and before every open transaction began. The
    trail digests only such hours, and exports end there too: a digest signs a claim about a
    whole hour, so it must not be made while the hour can still change.
    """
    until = floor_hour((now or timezone.now()) - DIGEST_GRACE)
    oldest = _oldest_open_transaction()
    if oldest is not None:
        until = min(until, floor_hour(oldest - CLOCK_SKEW))
    return until


def digest_pending_hours(
    *, tenant: Tenant, now: datetime | None = None, max_hours: int = MAX_HOURS_PER_RUN
) -> list[AuditDigest]:
    """Deliver and sign every complete hour not yet digested, oldest first; return the new digests."""
    from audit.storage import S3Sink

    require_scope(tenant)
    until = complete_hours_end(now)
    last = AuditDigest.objects.order_by("-end_time").first()
    first_event = AuditEvent.objects.order_by("event_time").values_list("event_time", flat=True).first()
    start = last.end_time if last is not None else floor_hour(min(filter(None, [first_event, tenant.created_at])))
    made: list[AuditDigest] = []
    if start < until:
        chain_seal(tenant_id=tenant.pk)
    while start < until and len(made) < max_hours:
        sink = _CapturingSink(S3Sink(tenant=tenant, bucket=tenant.storage_bucket, prefix=trail_prefix(tenant)))
        try:
            digest = _digest_hour(tenant=tenant, start=start, previous=last, sink=sink)
        except BaseException:
            _remove_partial_delivery(tenant, sink.keys)
            raise
        if digest is None:  # another worker is digesting this tenant
            break
        made.append(digest)
        last, start = digest, digest.end_time
    return made


def _digest_hour(
    *, tenant: Tenant, start: datetime, previous: AuditDigest | None, sink: _CapturingSink
) -> AuditDigest | None:
    end = start + HOUR
    keyring = signing_keyring()
    with _digest_lock(tenant) as locked:
        if not locked:
            return None
        latest = AuditDigest.objects.order_by("-end_time").values_list("end_time", flat=True).first()
        if latest is not None and latest >= end:
            return None
        with scope_connection().cursor() as cursor:
            cursor.execute("SELECT sequence FROM verity_audit_chain_head(%s)", [tenant.pk])
            head_sequence = int(cursor.fetchone()[0])
        # Sealed rows only: an event that commits after this hour's seal belongs to no digest
        # (see _oldest_open_transaction for why that does not happen in practice).
        events = AuditEvent.objects.filter(
            event_time__gte=start, event_time__lt=end, chain_entry__sequence__lte=head_sequence
        )
        result = write_export(  # to S3, outside any transaction
            records_in_order(events),
            sink,
            bucket=tenant.storage_bucket,
            account_id=tenant.account_id,
            region=tenant.region,
            keyring=keyring,
            start=start,
            end=end,
            previous_digest=_reference(previous),
        )
        ref = result.last_digest
        with transaction.atomic():
            digest = AuditDigest.objects.create(
                tenant=tenant,
                start_time=start,
                end_time=end,
                bucket=ref.bucket,
                key_prefix=trail_prefix(tenant),
                key=ref.key,
                sha256=ref.sha256,
                signature=ref.signature,
                fingerprint=keyring.key_at(end).fingerprint,
                digest=sink.digests[ref.key].decode("utf-8"),
                record_count=result.record_count,
                head_sequence=head_sequence,
            )
            record_system_event(
                tenant=tenant,
                event_source=verity_event_source("audit"),
                event_name="CreateDigest",
                details={
                    "digestStartTime": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "digestEndTime": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "digestS3Bucket": ref.bucket,
                    "digestS3Object": ref.key,
                    "recordCount": result.record_count,
                },
            )
    return digest


@contextmanager
def _digest_lock(tenant: Tenant) -> Iterator[bool]:
    """One worker at a time digests a tenant: a session advisory lock, held without a transaction.

    The delivery to S3 happens while it is held, so it cannot be a transaction's lock; it is
    released on leaving, whatever happens (and by PostgreSQL if the process dies).
    """
    key = f"verity.audit.digest:{tenant.pk}"
    with scope_connection().cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [key])
        locked = bool(cursor.fetchone()[0])
    try:
        yield locked
    finally:
        if locked:
            with scope_connection().cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [key])


def _reference(digest: AuditDigest | None) -> DigestRef | None:
    if digest is None:
        return None
    return DigestRef(bucket=digest.bucket, key=digest.key, sha256=digest.sha256, signature=digest.signature)


def _oldest_open_transaction() -> datetime | None:
    """When the oldest other open transaction of this database began.

    An event's time is taken after its transaction began, so no event can still arrive for an
    hour that ended before every open transaction started. Events are written by the
    application's and the platform's roles, which cannot see each other's sessions in
    pg_stat_activity: the owner's ``verity_oldest_open_transaction`` sees them all.
    """
    with scope_connection().cursor() as cursor:
        cursor.execute("SELECT verity_oldest_open_transaction()")
        row = cursor.fetchone()
    return row[0] if row else None


def _remove_partial_delivery(tenant: Tenant, keys: Iterable[str]) -> None:
    """Best effort: a failed hour must not leave log files no digest covers in the trail."""
    prefix = trail_prefix(tenant)
    client: Any = aws_client("s3", tenant.region)
    for key in keys:
        if key.endswith((".json.gz", SIGNATURE_SUFFIX)):
            try:
                client.delete_object(Bucket=tenant.storage_bucket, Key=prefix + key)
            except Exception:
                logger.warning("Could not remove %s%s after a failed digest", prefix, key, exc_info=True)
