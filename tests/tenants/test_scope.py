"""The scope rule: edges enter a scope, services only require the right one."""

from __future__ import annotations

import pytest

from tenants.scope import TenantScopeError, platform_scope, require_scope, tenant_scope
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


def test_require_scope_refuses_to_run_outside_any_scope() -> None:
    with pytest.raises(TenantScopeError, match="No scope"):
        require_scope()


def test_require_scope_accepts_the_tenants_own_scope_and_refuses_another_tenants() -> None:
    mine, other = TenantFactory(), TenantFactory()
    with tenant_scope(mine):
        assert require_scope(mine).tenant_id == mine.pk
        assert require_scope(mine.pk).tenant_id == mine.pk
        assert require_scope().tenant_id == mine.pk
        with pytest.raises(TenantScopeError, match="another tenant"):
            require_scope(other)
        with pytest.raises(TenantScopeError, match="platform scope"):
            require_scope(platform=True)


def test_the_platform_scope_serves_any_tenant_but_not_a_service_that_needs_a_tenant_scope() -> None:
    tenant = TenantFactory()
    with platform_scope():
        assert require_scope(tenant).all_tenants
        assert require_scope(platform=True).all_tenants
        with pytest.raises(TenantScopeError, match="tenant's scope"):
            require_scope()
