"""Tenant isolation: the scoped manager, row-level security as the application role, and the API."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from config.api.views import ApiView
from tenants.models import ApiKey
from tenants.rls import tenant_owned_tables
from tenants.scope import TenantScopeError, platform_scope, tenant_scope
from tests.conftest import Caller
from tests.factories import SubjectFactory, TenantFactory
from verification.models import Subject

pytestmark = pytest.mark.django_db


def _raw_count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - table names come from models
        return int(cursor.fetchone()[0])


def test_the_application_role_is_not_privileged() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        user, is_superuser, bypasses_rls = cursor.fetchone()
    assert user == settings.DATABASE_APP_ROLE
    assert not is_superuser
    assert not bypasses_rls


def test_every_tenant_owned_table_forces_row_level_security() -> None:
    tables = tenant_owned_tables()
    assert {"verification_subject", "tenants_apikey", "tenants_membership"} <= set(tables)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname = ANY(%s) AND relrowsecurity AND relforcerowsecurity",
            [tables],
        )
        secured = {row[0] for row in cursor.fetchall()}
    assert secured == set(tables)


def test_unscoped_raw_query_sees_no_rows() -> None:
    SubjectFactory.create_batch(3)
    with transaction.atomic():
        assert _raw_count("verification_subject") == 0
        assert _raw_count("tenants_apikey") == 0


def test_scoped_raw_query_sees_only_its_tenant() -> None:
    mine = SubjectFactory()
    SubjectFactory.create_batch(2)
    with tenant_scope(mine.tenant):
        assert _raw_count("verification_subject") == 1
    with platform_scope():
        assert _raw_count("verification_subject") == 3


def test_database_refuses_writing_a_row_for_another_tenant() -> None:
    mine, other = TenantFactory(), TenantFactory()
    with pytest.raises(ProgrammingError, match="row-level security"), tenant_scope(mine):
        Subject.objects.create(tenant=other, external_id="smuggled")


def test_scope_setting_does_not_outlive_the_scope() -> None:
    subject = SubjectFactory()
    with transaction.atomic():
        with tenant_scope(subject.tenant):
            assert _raw_count("verification_subject") == 1
        assert _raw_count("verification_subject") == 0


def test_scoped_manager_refuses_to_run_without_a_tenant() -> None:
    with pytest.raises(TenantScopeError):
        list(Subject.objects.all())
    with pytest.raises(TenantScopeError):
        ApiKey.objects.count()


def test_api_views_may_not_define_get_queryset() -> None:
    with pytest.raises(TypeError, match="get_queryset"):
        type("Leaky", (ApiView,), {"get_queryset": lambda self: None})
    with pytest.raises(TypeError, match="get_object"):
        type("Leaky", (ApiView,), {"get_object": lambda self: None})


def test_another_tenants_subject_is_a_404_like_a_missing_one(two_tenants: tuple[Caller, Caller]) -> None:
    alice, bob = two_tenants
    bobs = bob.client.post("/v1/subjects", {"external_id": "bob-1"}, format="json").json()
    foreign = alice.client.get(f"/v1/subjects/{bobs['id']}")
    missing = alice.client.get("/v1/subjects/sub_doesnotexist000000000000")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["code"] == missing.json()["code"] == "not_found"
    assert bob.client.get(f"/v1/subjects/{bobs['id']}").status_code == 200


def test_listing_never_shows_another_tenants_subjects(two_tenants: tuple[Caller, Caller]) -> None:
    alice, bob = two_tenants
    bob.client.post("/v1/subjects", {"external_id": "shared-id"}, format="json")
    assert alice.client.get("/v1/subjects").json()["results"] == []
    assert alice.client.get("/v1/subjects?external_id=shared-id").json()["results"] == []
    created = alice.client.post("/v1/subjects", {"external_id": "shared-id"}, format="json")
    assert created.status_code == 201  # external ids are unique per tenant, not globally
    assert [s["id"] for s in alice.client.get("/v1/subjects").json()["results"]] == [created.json()["id"]]


def test_tenant_endpoint_returns_the_callers_tenant_only(two_tenants: tuple[Caller, Caller]) -> None:
    alice, bob = two_tenants
    assert alice.client.get("/v1/tenant").json()["account_id"] == alice.tenant.account_id
    assert bob.client.get("/v1/tenant").json()["account_id"] == bob.tenant.account_id
