"""Tenants, their API keys, memberships, thresholds and idempotency records.

``Tenant`` is a platform table; every other model here is tenant-owned, derives from
``TenantOwnedModel`` and is therefore covered by the scoped manager and by row-level security.
"""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

from config.ids import public_id
from config.ratelimit import RateLimitItem, parse_rate
from tenants.scope import TenantScopeError, current_scope
from tenants.thresholds import OPERATION_CHOICES, validate_rate_quotas, validate_threshold

ACCOUNT_ID_VALIDATOR = RegexValidator(r"^\d{12}$", "An account id is exactly 12 digits.")
SLUG_VALIDATOR = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{1,30}[a-z0-9])$",
    "3–32 lowercase letters, digits and hyphens, starting and ending with a letter or digit.",
)
REGION_VALIDATOR = RegexValidator(r"^[a-z]{2}(-gov)?-[a-z]+-\d$", "An AWS region such as eu-west-1.")


def _parsed_rate(value: str) -> RateLimitItem:
    try:
        return parse_rate(value)
    except ValueError as exc:
        raise ValidationError(str(exc), code="invalid_rate_limit") from exc


def validate_rate(value: str) -> None:
    """A rate such as ``50/second`` or ``600/minute``."""
    _parsed_rate(value)


def _per_second(rate: RateLimitItem) -> float:
    return rate.amount / rate.get_expiry()


class TenantStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    OFFBOARDED = "offboarded", "Offboarded"


class TenantManager(models.Manager["Tenant"]):
    def visible(self) -> models.QuerySet[Tenant]:
        """Every tenant in the platform scope, the own tenant in a tenant scope, none outside a scope."""
        scope = current_scope()
        if scope is None:
            return self.none()
        if scope.all_tenants:
            return self.all()
        return self.filter(pk=scope.tenant_id) if scope.tenant_id is not None else self.none()


class Tenant(models.Model):
    public_id = models.CharField(max_length=32, unique=True, default=partial(public_id, "ten"), editable=False)
    slug = models.CharField(max_length=32, unique=True, validators=[SLUG_VALIDATOR])
    name = models.CharField(max_length=200)
    account_id = models.CharField(max_length=12, unique=True, validators=[ACCOUNT_ID_VALIDATOR])
    region = models.CharField(max_length=32, validators=[REGION_VALIDATOR])
    status = models.CharField(max_length=16, choices=TenantStatus.choices, default=TenantStatus.ACTIVE)
    kms_key_arn = models.CharField(max_length=2048, blank=True)
    storage_bucket = models.CharField(max_length=63, blank=True)
    storage_prefix = models.CharField(max_length=512, blank=True)
    shard_count = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1), MaxValueValidator(99)])
    rate_quotas = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_rate_quotas],
        help_text="Transactions per second per Rekognition operation, overriding the AWS-like defaults.",
    )
    api_rate_quota = models.CharField(
        max_length=32,
        blank=True,
        validators=[validate_rate],
        help_text="The fastest any one of the tenant's API keys may go, e.g. 100/second; "
        "empty: the platform default (VERITY_DEFAULT_API_KEY_RATE).",
    )
    # Test mode (docs/test-mode.md): a live tenant's test twin points to it. Test keys, and every
    # object they make, belong to the twin, so tenancy keeps the two modes apart everywhere.
    live_tenant = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="test_tenant", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Offboarding (tenants.offboarding): the steps done so far, then the signed final receipt.
    offboarding = models.JSONField(default=dict, blank=True, editable=False)
    offboarding_receipt = models.BinaryField(null=True, blank=True, editable=False)

    objects = TenantManager()

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug

    @property
    def livemode(self) -> bool:
        """False for a test twin: its keys are vk_test_, its engine the local one, its data test data."""
        return self.live_tenant_id is None

    @property
    def is_active(self) -> bool:
        return self.status == TenantStatus.ACTIVE

    @property
    def api_key_rate_quota(self) -> str:
        """The API quota every key of this tenant is capped at."""
        return self.api_rate_quota or settings.VERITY_DEFAULT_API_KEY_RATE


class TenantScopedManager(models.Manager[Any]):
    """Filters to the current tenant; raises when no scope is active.

    The platform scope (operators) sees every tenant. Row-level security enforces the same
    rule in the database, so a query that escapes this manager still sees nothing foreign.
    """

    def get_queryset(self) -> models.QuerySet[Any]:
        scope = current_scope()
        if scope is None:
            raise TenantScopeError(f"{self.model.__name__} was queried outside a tenant scope.")
        queryset = super().get_queryset()
        if scope.all_tenants:
            return queryset
        return queryset.filter(tenant_id=scope.tenant_id)


class TenantOwnedModel(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")

    objects: ClassVar[TenantScopedManager] = TenantScopedManager()

    class Meta:
        abstract = True
        base_manager_name = "objects"


class Role(models.TextChoices):
    TENANT_ADMIN = "tenant_admin", "Tenant admin"
    REVIEWER = "reviewer", "Reviewer"
    COMPLIANCE_OFFICER = "compliance_officer", "Compliance officer"


class Membership(TenantOwnedModel):
    """A Django user's place in one tenant. A user belongs to at most one tenant."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    role = models.CharField(max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(TenantOwnedModel.Meta):
        indexes = [models.Index(fields=["tenant", "role"])]

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"


class Threshold(TenantOwnedModel):
    """A tenant's override of an operation's threshold, optionally for one face-model version."""

    operation = models.CharField(max_length=64, choices=OPERATION_CHOICES)
    face_model_version = models.CharField(
        max_length=16, blank=True, default="", help_text="Empty: every face-model version."
    )
    value = models.FloatField()

    class Meta(TenantOwnedModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "operation", "face_model_version"], name="threshold_unique_per_model_version"
            )
        ]

    def __str__(self) -> str:
        version = self.face_model_version or "any"
        return f"{self.operation} (model {version}) = {self.value}"

    def clean(self) -> None:
        validate_threshold(self.operation, self.value)


class ApiKeyMode(models.TextChoices):
    LIVE = "live", "Live"
    TEST = "test", "Test"


class ApiKey(TenantOwnedModel):
    """A secret shown once; only its public prefix and SHA-256 are kept."""

    name = models.CharField(max_length=200, blank=True)
    mode = models.CharField(max_length=4, choices=ApiKeyMode.choices, default=ApiKeyMode.LIVE)
    prefix = models.CharField(max_length=32, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    policy = models.JSONField()
    rate_limit = models.CharField(
        max_length=32, blank=True, help_text="e.g. 50/second, at most the tenant's API quota; empty: that quota."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta(TenantOwnedModel.Meta):
        indexes = [models.Index(fields=["tenant", "created_at"])]

    def __str__(self) -> str:
        return self.prefix

    def clean(self) -> None:
        if self.tenant_id is not None:
            try:
                validate_api_key_rate_limit(self.rate_limit, tenant=self.tenant)
            except ValidationError as exc:
                raise ValidationError({"rate_limit": exc}) from exc

    def rate_limits(self) -> list[RateLimitItem]:
        """What the key's requests are counted against: its own rate, never beyond its tenant's quota.

        A key of its own rate is also held to the quota itself, so a longer window (600/minute
        under a 10/second quota) cannot burst past the quota within a second either.
        """
        quota = _parsed_rate(self.tenant.api_key_rate_quota)
        if not self.rate_limit:
            return [quota]
        own = _parsed_rate(self.rate_limit)
        return [own] if own == quota else [own, quota]

    def is_usable(self, now: Any | None = None) -> bool:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now


def validate_api_key_rate_limit(rate_limit: str, *, tenant: Tenant) -> None:
    """A key's own rate limit: empty (the tenant's quota), or a rate no faster than the tenant's quota.

    The model (admin forms), the service (command, API) and nothing else decide this, so every
    way of issuing a key gets the same answer.
    """
    if not rate_limit:
        return
    rate = _parsed_rate(rate_limit)
    quota = tenant.api_key_rate_quota
    if _per_second(rate) > _per_second(_parsed_rate(quota)):
        raise ValidationError(
            f"A key's rate limit may not exceed its tenant's API quota of {quota} (asked for {rate_limit}).",
            code="rate_limit_above_quota",
        )


class IdempotencyRecord(TenantOwnedModel):
    """A POST's claim on an Idempotency-Key, then its stored outcome, kept for 24 hours.

    No ``response_status`` yet: the claiming request is still running (``config.api.idempotency``).
    """

    key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.BinaryField(default=bytes)
    response_headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantOwnedModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="idempotency_key_unique_per_tenant")]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return self.key
