"""Factories for tests; every tenant-owned factory takes its tenant from a SubFactory."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model

from tenants.models import Membership, Role, Tenant
from tenants.scope import tenant_scope
from verification.models import Face, Subject
from vision.models import FaceCollection, collection_name


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


class FaceCollectionFactory(TenantOwnedFactory):
    """A shard's collection row, named as collections_ensure names it (no engine call)."""

    class Meta:
        model = FaceCollection

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
