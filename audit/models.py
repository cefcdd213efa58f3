"""The audit log's tables: events, their chain, digests and exports, retention, purges and signing keys.

``AuditEvent`` rows are append-only in the database itself (triggers, see migration 0002): the
application role can insert them, never change or delete them. Each event is chained to the
tenant's previous one by SHA-256 when it is *sealed*, right after the writing transaction
commits (see ``audit.recording.chain_seal``); the chain lives in ``AuditChainEntry``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.cloudtrail.records import canonical_json
from config.ids import public_id
from tenants.models import Tenant, TenantOwnedModel

# A year with 29 February has 366 days, so 366 is the least that is always a full year.
MIN_RETENTION_DAYS = 366
DEFAULT_RETENTION_DAYS = 7 * 365 + 2  # seven years, leap days included
MAX_RETENTION_DAYS = 100 * 366


class CanonicalJSONField(models.JSONField):
    """JSON kept as the exact text it was written as: PostgreSQL ``json``, not ``jsonb``.

    jsonb re-orders keys and normalises numbers. The chain hashes a record's canonical JSON
    bytes (audit.cloudtrail.records.canonical_json), so the table keeps those very bytes and the
    database can hash them itself while sealing, without sending every record back to Python.
    """

    def db_type(self, connection: Any) -> str:
        return "json"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        # psycopg already parses ``json`` (Django only registers a text loader for jsonb).
        return json.loads(value) if isinstance(value, str) else value

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        return None if value is None else canonical_json(value).decode("utf-8")


class EventType(models.TextChoices):
    API_CALL = "AwsApiCall", "API call"
    CONSOLE_SIGN_IN = "AwsConsoleSignIn", "Console sign-in"
    SERVICE_EVENT = "AwsServiceEvent", "Service event"


class EventCategory(models.TextChoices):
    MANAGEMENT = "Management", "Management"
    DATA = "Data", "Data"


class AuditEvent(TenantOwnedModel):
    """One CloudTrail record. ``record`` is the record exactly as hashed and exported (its
    canonical JSON text); the other columns copy the fields that are filtered on, so lookups
    never have to reach into the JSON.

    ``tenant`` is null for platform events (an unauthenticated request, an operator acting
    outside any tenant); row-level security shows those only in the platform scope.
    """

    # Nullable, unlike every other tenant-owned model's. No database constraint: checking it
    # would share-lock the tenant's row on every audit insert of every request; the tenant is
    # always set by record_event, and tenants are offboarded, never deleted.
    tenant = models.ForeignKey(  # type: ignore[assignment]
        Tenant, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    event_id = models.UUIDField()
    event_time = models.DateTimeField(help_text="Precise; the record's eventTime is this to the second.")
    event_source = models.CharField(max_length=128)
    event_name = models.CharField(max_length=128)
    event_type = models.CharField(max_length=32, choices=EventType.choices)
    principal_id = models.CharField(max_length=256, blank=True)
    user_name = models.CharField(max_length=256, blank=True)
    access_key_id = models.CharField(max_length=64, blank=True)
    source_ip = models.CharField(max_length=128, blank=True)
    error_code = models.CharField(max_length=128, blank=True, help_text="Empty: the call succeeded.")
    request_id = models.CharField(max_length=128, blank=True)
    read_only = models.BooleanField()
    record = CanonicalJSONField()

    class Meta(TenantOwnedModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["tenant", "event_id"], name="audit_event_id_unique", nulls_distinct=False),
        ]
        indexes = [
            models.Index(fields=["tenant", "event_time", "id"], name="audit_event_time"),
            models.Index(fields=["tenant", "event_name", "event_time"], name="audit_event_name"),
            models.Index(fields=["tenant", "event_source", "event_time"], name="audit_event_source"),
            models.Index(fields=["tenant", "principal_id", "event_time"], name="audit_event_principal"),
            models.Index(fields=["tenant", "request_id"], name="audit_event_request"),
            models.Index(fields=["tenant", "event_time"], name="audit_event_errors", condition=~Q(error_code="")),
        ]

    def __str__(self) -> str:
        return f"{self.event_source} {self.event_name} {self.event_id}"

    @property
    def succeeded(self) -> bool:
        return not self.error_code


class AuditChainEntry(TenantOwnedModel):
    """An event's place in its tenant's hash chain.

    A narrow row beside the event rather than columns of it: the database creates it, unsealed,
    when the event is inserted (a trigger), and ``verity_audit_seal`` fills it in once after the
    event's transaction committed. The wide event row is therefore written once and never
    rewritten, and the event table needs no exception to "no UPDATE, ever".
    """

    # Written by the database from the event row itself (see AuditEvent.tenant on constraints).
    event = models.OneToOneField(
        AuditEvent, primary_key=True, on_delete=models.PROTECT, related_name="chain_entry", db_constraint=False
    )
    tenant = models.ForeignKey(  # type: ignore[assignment]
        Tenant, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    sequence = models.BigIntegerField(null=True, blank=True)
    previous_hash = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 - NULL: not sealed yet
    hash = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 - NULL: not sealed yet

    class Meta(TenantOwnedModel.Meta):
        verbose_name_plural = "audit chain entries"
        constraints = [
            # One entry per chain position; the platform's NULL tenant is one chain like any other.
            models.UniqueConstraint(
                fields=["tenant", "sequence"],
                name="audit_chain_sequence_unique",
                condition=Q(sequence__isnull=False),
                nulls_distinct=False,
            ),
        ]
        indexes = [
            # Small: only entries written since the last seal, which runs right after each commit.
            models.Index(fields=["tenant", "event"], name="audit_chain_unsealed", condition=Q(hash__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.sequence}: {self.hash}"


class AuditSettings(TenantOwnedModel):
    """A tenant's audit retention. Absent means the default of seven years."""

    retention_days = models.PositiveIntegerField(
        default=DEFAULT_RETENTION_DAYS,
        validators=[MinValueValidator(MIN_RETENTION_DAYS), MaxValueValidator(MAX_RETENTION_DAYS)],
        help_text=f"Days events are kept; at least {MIN_RETENTION_DAYS} (one year).",
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantOwnedModel.Meta):
        verbose_name_plural = "audit settings"
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="audit_settings_one_per_tenant"),
            models.CheckConstraint(
                condition=Q(retention_days__gte=MIN_RETENTION_DAYS), name="audit_retention_at_least_a_year"
            ),
        ]

    def __str__(self) -> str:
        return f"retention {self.retention_days} days"


class SigningKey(models.Model):
    """A deployment-wide RSA key that signs digests during [valid_from, valid_until).

    Platform table (not tenant-owned): every tenant's digests are signed by the active key, as
    CloudTrail signs with a per-region key. The private key is kept as PKCS#8 PEM encrypted with
    a password derived from SECRET_KEY (see audit.digests); retired keys keep their row so that
    old digests stay verifiable and their public halves stay published.
    """

    fingerprint = models.CharField(max_length=32, unique=True)
    public_key_der = models.BinaryField()
    private_key_pem = models.BinaryField(editable=False)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["valid_from"]
        constraints = [
            # At most one key without an end: the one that signs new digests.
            models.UniqueConstraint(
                models.Value(1), name="audit_one_open_signing_key", condition=Q(valid_until__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return self.fingerprint


class AuditDigest(TenantOwnedModel):
    """One signed hourly digest of a tenant's trail, as delivered to the tenant's bucket.

    ``digest`` is the digest file's JSON text (text, not JSON: ``sha256`` is of these exact
    bytes) and ``signature`` the hex SHA256withRSA signature over CloudTrail's string to sign.
    ``head_sequence`` is the chain position sealed when the hour was digested: every event of
    the hour at or below it is in the digest's log files, which is what makes it safe to purge
    those rows later.
    """

    # Audit rows outlive anything they point at and can never be deleted: like AuditEvent's, this
    # reference is not a database constraint (which would only make the tenant row undeletable).
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    start_time = models.DateTimeField()
    end_time = models.DateTimeField()
    bucket = models.CharField(max_length=63)
    key_prefix = models.CharField(max_length=512, blank=True)
    key = models.CharField(max_length=1024)
    sha256 = models.CharField(max_length=64)
    signature = models.TextField()
    fingerprint = models.CharField(max_length=32)
    digest = models.TextField()
    record_count = models.PositiveIntegerField()
    head_sequence = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantOwnedModel.Meta):
        ordering = ["end_time"]
        constraints = [models.UniqueConstraint(fields=["tenant", "end_time"], name="audit_digest_one_per_hour")]

    def __str__(self) -> str:
        return self.key


class ExportStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class ExportFormat(models.TextChoices):
    CLOUDTRAIL = "cloudtrail", "CloudTrail layout"
    CSV = "csv", "CSV"


class ExportDestination(models.TextChoices):
    DIRECTORY = "directory", "Local directory"
    S3 = "s3", "Tenant bucket, CloudTrail layout under a prefix"
    BUNDLE = "bundle", "Tenant bucket, one downloadable object"


class AuditExport(TenantOwnedModel):
    """An on-demand export of a tenant's events for a time range (API, admin action or command)."""

    public_id = models.CharField(max_length=32, unique=True, default=partial(public_id, "aex"), editable=False)
    status = models.CharField(max_length=16, choices=ExportStatus.choices, default=ExportStatus.PENDING)
    format = models.CharField(max_length=16, choices=ExportFormat.choices, default=ExportFormat.CLOUDTRAIL)
    destination = models.CharField(max_length=16, choices=ExportDestination.choices)
    start_time = models.DateTimeField()
    end_time = models.DateTimeField()
    filters = models.JSONField(default=dict, blank=True)
    bucket = models.CharField(max_length=63, blank=True)
    location = models.CharField(max_length=1024, blank=True, help_text="Key prefix, object key or directory.")
    record_count = models.PositiveIntegerField(null=True, blank=True)
    file_count = models.PositiveIntegerField(null=True, blank=True)
    requested_by = models.JSONField(default=dict, blank=True, help_text="The requester's userIdentity.")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantOwnedModel.Meta):
        indexes = [models.Index(fields=["tenant", "created_at"], name="audit_export_created")]

    def __str__(self) -> str:
        return self.public_id


class AuditPurge(TenantOwnedModel):
    """A retention purge: every event up to ``through_sequence`` was deleted.

    Written only by the database's purge function. Verification of the remaining chain starts
    from ``through_hash`` instead of the genesis hash.
    """

    # Audit rows outlive anything they point at and can never be deleted: like AuditEvent's, this
    # reference is not a database constraint (which would only make the tenant row undeletable).
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+", db_constraint=False)

    purged_at = models.DateTimeField()
    cutoff = models.DateTimeField()
    through_sequence = models.BigIntegerField()
    through_hash = models.CharField(max_length=64)
    deleted_count = models.BigIntegerField()

    class Meta(TenantOwnedModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["tenant", "through_sequence"], name="audit_purge_through_unique")
        ]

    def __str__(self) -> str:
        return f"purged through {self.through_sequence}"


def records_in_order(events: QuerySet[AuditEvent], *, page_size: int = 2000) -> Iterator[dict[str, Any]]:
    """The events' records in (eventTime, id) order, one short query per page.

    No transaction or cursor stays open between pages, so the caller may write each record to
    S3 as it comes (keyset pagination: each page starts after the last row of the previous one).
    """
    ordered = events.order_by("event_time", "id")
    page = list(ordered.values_list("event_time", "id", "record")[:page_size])
    while page:
        yield from (record for _, _, record in page)
        if len(page) < page_size:
            return
        last_time, last_id = page[-1][:2]
        after = Q(event_time__gt=last_time) | Q(event_time=last_time, id__gt=last_id)
        page = list(ordered.filter(after).values_list("event_time", "id", "record")[:page_size])
