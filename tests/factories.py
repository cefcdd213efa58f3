"""Factories for tests; every tenant-owned factory takes its tenant from a SubFactory."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, TypeVar

import factory
from django.contrib.auth import get_user_model

from config.aws import aws_client
from moderation.models import ModerationPolicy, ModerationResult, ReviewTask
from moderation.policies import default_rules
from tenants.models import Membership, Role, Tenant
from tenants.provisioning import tenant_create
from tenants.scope import platform_scope, tenant_scope
from tenants.services import IssuedKey, apikey_create
from verification.models import Face, Subject, Verification, VerificationStep
from vision.models import FaceCollection, collection_name

T = TypeVar("T")


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    slug = factory.Sequence(lambda n: f"tenant-{n:03d}")
    name = factory.LazyAttribute(lambda o: f"Tenant {o.slug}")
    account_id = factory.Sequence(lambda n: f"{100000000000 + n:012d}")
    region = "us-east-1"
    kms_key_arn = factory.LazyAttribute(lambda o: f"arn:aws:kms:us-east-1:{o.account_id}:key/test")
    storage_bucket = factory.LazyAttribute(lambda o: f"verity-{o.account_id}-us-east-1")
    storage_prefix = "verity/"


class TenantOwnedFactory(factory.django.DjangoModelFactory):
    """Creates the row inside its tenant's scope, as the application would."""

    tenant = factory.SubFactory(TenantFactory)

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        with tenant_scope(kwargs["tenant"]):
            return super()._create(model_class, *args, **kwargs)


class SubjectFactory(TenantOwnedFactory):
    class Meta:
        model = Subject

    external_id = factory.Sequence(lambda n: f"customer-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.django.Password("correct horse battery staple")


class MembershipFactory(TenantOwnedFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.TENANT_ADMIN


# Services called the way an edge calls them: inside the scope they require.


def provision(**options: Any) -> IssuedKey:
    """``tenant_create`` as ``manage.py tenant_create`` runs it, in the platform scope."""
    with platform_scope():
        return tenant_create(**options)


def issue_key(*, tenant: Tenant, **options: Any) -> IssuedKey:
    """``apikey_create`` in the tenant's scope, as the admin and ``manage.py apikey_create`` run it."""
    with tenant_scope(tenant):
        return apikey_create(tenant=tenant, **options)


def as_edge(service: Callable[..., T], /, *, platform: bool = False, **kwargs: Any) -> T:
    """Call ``service`` as an edge does: in its ``tenant``'s scope (or its export's), else the platform's."""
    tenant = kwargs.get("tenant") or getattr(kwargs.get("export"), "tenant_id", None)
    with platform_scope() if platform or tenant is None else tenant_scope(tenant):
        return service(**kwargs)


class ModerationPolicyFactory(TenantOwnedFactory):
    class Meta:
        model = ModerationPolicy
        django_get_or_create = ("tenant", "version")

    version = 1
    rules = factory.LazyFunction(default_rules)


class ModerationResultFactory(TenantOwnedFactory):
    """An image the policy sent to review, on the tenant's policy version 1."""

    class Meta:
        model = ModerationResult

    media_type = "image"
    status = "succeeded"
    policy = factory.LazyAttribute(lambda o: ModerationPolicyFactory(tenant=o.tenant))
    decision = "review"
    driving_category = "Violence"
    labels = factory.LazyAttribute(
        lambda o: [
            {
                "name": o.driving_category,
                "parent_name": "",
                "taxonomy_level": 1,
                "confidence": 70.0,
                "category": o.driving_category,
            }
        ]
    )


class ReviewTaskFactory(TenantOwnedFactory):
    class Meta:
        model = ReviewTask

    result = factory.LazyAttribute(lambda o: ModerationResultFactory(tenant=o.tenant))


class FaceCollectionFactory(TenantOwnedFactory):
    """A shard's collection row, named as collections_ensure names it (no engine call)."""

    class Meta:
        model = FaceCollection
        django_get_or_create = ("tenant", "shard")  # collections_ensure may have made it already

    shard = 0
    collection_id = factory.LazyAttribute(lambda o: collection_name(tenant=o.tenant, shard=o.shard))
    collection_arn = factory.LazyAttribute(
        lambda o: f"arn:aws:rekognition:us-east-1:123456789012:collection/{o.collection_id}"
    )
    face_model_version = "7.0"


class FaceFactory(TenantOwnedFactory):
    """A subject's active reference face, as a finished registration leaves it (no engine call)."""

    class Meta:
        model = Face

    subject = factory.SubFactory(SubjectFactory, tenant=factory.SelfAttribute("..tenant"))
    collection = factory.SubFactory(FaceCollectionFactory, tenant=factory.SelfAttribute("..tenant"))
    face_id = factory.Faker("uuid4")
    face_model_version = "7.0"


class VerificationFactory(TenantOwnedFactory):
    """A verification as a worker leaves it (no engine call): give ``status``, ``reasons``, ``created_at``."""

    class Meta:
        model = Verification

    type = "registration"
    status = "approved"


class VerificationStepFactory(TenantOwnedFactory):
    """One recorded step of a verification, e.g. ``name="compare", result={"similarity": 97.5}``."""

    class Meta:
        model = VerificationStep

    verification = factory.SubFactory(VerificationFactory, tenant=factory.SelfAttribute("..tenant"))
    position = factory.Sequence(lambda n: n)
    name = "compare"
    status = "passed"
    attempts = 1


def with_kms_key(tenant: Tenant) -> Tenant:
    """Give a factory tenant a real KMS key (moto's, so the ``aws`` fixture must be active), as provisioning does."""
    if not tenant.kms_key_arn.endswith(":key/test"):  # the factory's placeholder
        return tenant
    key = aws_client("kms", tenant.region).create_key(Description=f"Verity tenant {tenant.slug}")["KeyMetadata"]
    with platform_scope():
        Tenant.objects.filter(pk=tenant.pk).update(kms_key_arn=key["Arn"])
    tenant.kms_key_arn = key["Arn"]
    return tenant


def with_key_and_bucket(tenant: Tenant) -> Tenant:
    """A factory tenant with a real KMS key and its storage bucket (moto's), as provisioning leaves one."""
    with_kms_key(tenant)
    s3 = aws_client("s3", tenant.region)
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=tenant.storage_bucket)
    return tenant


def webhook_events(tenant: Tenant, type: str) -> list[dict[str, Any]]:
    """The data of the tenant's webhook events of ``type`` (the outbox), oldest first."""
    from webhooks.models import Event

    with tenant_scope(tenant):
        return list(Event.objects.filter(type=type).order_by("pk").values_list("data", flat=True))
