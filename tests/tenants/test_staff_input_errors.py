"""Bad input to the staff services: each refusal has its documented code and writes nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from audit.models import AuditEvent
from config.errors import DomainError
from tenants.models import Membership, Role
from tenants.scope import tenant_scope
from tenants.staff import tenant_user_create, tenant_user_update
from tests.factories import MembershipFactory, TenantFactory

pytestmark = pytest.mark.django_db


def _written(tenant: object) -> tuple[int, int, int]:
    with tenant_scope(tenant):
        return (
            get_user_model().objects.count(),
            Membership.objects.count(),
            AuditEvent.objects.filter(event_name="CreateUser").count(),
        )


@pytest.mark.parametrize(
    ("username", "role", "email", "code"),
    [
        ("", Role.REVIEWER, "", "invalid_username"),
        ("has space", Role.REVIEWER, "", "invalid_username"),
        ("x" * 151, Role.REVIEWER, "", "invalid_username"),
        ("newcomer", "superuser", "", "invalid_role"),
        ("newcomer", Role.REVIEWER, "not-an-email", "invalid_email"),
    ],
)
def test_a_refused_new_staff_user_has_its_code_and_writes_nothing(
    username: str, role: str, email: str, code: str
) -> None:
    tenant = TenantFactory()
    before = _written(tenant)
    with pytest.raises(DomainError) as refused:
        tenant_user_create(tenant=tenant, username=username, role=role, email=email)
    assert (refused.value.status, refused.value.code) == (400, code)
    assert _written(tenant) == before


def test_a_taken_username_is_a_conflict_and_writes_nothing() -> None:
    tenant = TenantFactory()
    taken = MembershipFactory(role=Role.REVIEWER).user.get_username()
    before = _written(tenant)
    with pytest.raises(DomainError) as refused:
        tenant_user_create(tenant=tenant, username=taken, role=Role.REVIEWER)
    assert (refused.value.status, refused.value.code) == (409, "user_exists")
    assert _written(tenant) == before


@pytest.mark.parametrize(("role", "is_active"), [(Role.REVIEWER, True), (Role.TENANT_ADMIN, False)])
def test_a_tenant_admin_changing_their_own_membership_is_refused_as_own_membership(role: str, is_active: bool) -> None:
    admin = MembershipFactory(role=Role.TENANT_ADMIN)
    with pytest.raises(DomainError) as refused:
        tenant_user_update(membership=admin, role=role, is_active=is_active, actor=admin.user)
    assert (refused.value.status, refused.value.code) == (400, "own_membership")
    with tenant_scope(admin.tenant):
        stored = Membership.objects.select_related("user").get(pk=admin.pk)
    assert (stored.role, stored.user.is_active) == (Role.TENANT_ADMIN, True)


def test_an_unknown_role_on_update_is_refused_as_invalid_role() -> None:
    member = MembershipFactory(role=Role.REVIEWER)
    with pytest.raises(DomainError) as refused:
        tenant_user_update(membership=member, role="owner", is_active=True)
    assert refused.value.code == "invalid_role"
    with tenant_scope(member.tenant):
        assert Membership.objects.get(pk=member.pk).role == Role.REVIEWER
