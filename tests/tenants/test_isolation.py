"""Tenant isolation: the scoped manager and row-level security as the application role.

Each API route and admin model has its cross-tenant case in tests/isolation/test_cross_tenant_routes.py.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from config.api.views import ApiView
from tenants.models import ApiKey
from tenants.rls import tenant_owned_tables
from tenants.scope import TenantScopeError, platform_scope, tenant_scope
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
