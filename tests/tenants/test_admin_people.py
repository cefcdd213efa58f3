"""Tenant admins manage their own tenant's people: create, change role, deactivate; never pick a user."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from audit.models import AuditEvent
from tenants.models import Membership, Role
from tenants.scope import tenant_scope
from tests.factories import MembershipFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db

MEMBERSHIPS = "/admin/tenants/membership/"
LINK = re.compile(r"https?://[^\s\"<]+/admin/password/set/[^\s\"<]+/")


def _login(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _operator() -> object:
    return get_user_model().objects.create_superuser("ops", "ops@example.com", "a-long-operator-password")


def _events(tenant: object, name: str) -> list[AuditEvent]:
    with tenant_scope(tenant):
        return list(AuditEvent.objects.filter(event_name=name))


def test_tenant_admin_never_sees_users_outside_the_tenant() -> None:
    admin_membership = MembershipFactory()
    colleague = MembershipFactory(tenant=admin_membership.tenant, role=Role.REVIEWER)
    stranger = MembershipFactory()
    operator = _operator()
    client = _login(admin_membership.user)
    pages = [
        client.get(MEMBERSHIPS).content.decode(),
        client.get(f"{MEMBERSHIPS}add/").content.decode(),
        client.get(f"{MEMBERSHIPS}{colleague.pk}/change/").content.decode(),
    ]
    assert colleague.user.username in pages[0]
    for page in pages:
        assert 'name="user"' not in page
        assert stranger.user.username not in page
        assert operator.username not in page  # type: ignore[attr-defined]
    assert client.get("/admin/auth/user/").status_code == 403


@pytest.mark.parametrize("target", ["operator", "user_without_tenant", "user_of_another_tenant"])
def test_a_membership_cannot_be_moved_onto_another_user(target: str) -> None:
    admin_membership = MembershipFactory()
    colleague = MembershipFactory(tenant=admin_membership.tenant, role=Role.REVIEWER)
    other = {
        "operator": _operator,
        "user_without_tenant": UserFactory,
        "user_of_another_tenant": lambda: MembershipFactory().user,
    }[target]()
    response = _login(admin_membership.user).post(
        f"{MEMBERSHIPS}{colleague.pk}/change/", {"user": str(other.pk), "role": Role.REVIEWER, "active": "on"}
    )
    assert response.status_code == 302
    with tenant_scope(admin_membership.tenant):
        assert Membership.objects.get(pk=colleague.pk).user_id == colleague.user_id
        assert not Membership.objects.filter(user_id=other.pk).exists()


def test_tenant_admin_creates_a_user_who_sets_a_password_through_a_one_time_link() -> None:
    admin_membership = MembershipFactory()
    client = _login(admin_membership.user)
    response = client.post(
        f"{MEMBERSHIPS}add/", {"username": "newcomer", "email": "n@bank.example", "role": "reviewer"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    link = LINK.search(response.content.decode())
    assert link is not None
    assert all(link.group() not in morsel.value for morsel in client.cookies.values())
    user = get_user_model().objects.get(username="newcomer")
    assert user.is_staff
    assert not user.is_superuser
    assert not user.has_usable_password()
    with tenant_scope(admin_membership.tenant):
        membership = Membership.objects.get(user=user)
    assert (membership.tenant_id, membership.role) == (admin_membership.tenant.pk, Role.REVIEWER)
    created = _events(admin_membership.tenant, "CreateUser")
    assert [event.record["requestParameters"] for event in created] == [{"userName": "newcomer", "role": "reviewer"}]
    assert created[0].record["userIdentity"]["userName"] == admin_membership.user.username

    newcomer = Client()
    form_page = newcomer.get(link.group(), follow=True)
    assert form_page.status_code == 200
    password = "a long and private passphrase"
    done = newcomer.post(form_page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password})
    assert done.status_code == 302
    assert newcomer.login(username="newcomer", password=password)
    assert "new_password1" not in Client().get(link.group(), follow=True).content.decode()  # used up


def test_a_taken_username_is_a_form_error_not_a_server_error() -> None:
    admin_membership = MembershipFactory()
    taken = MembershipFactory().user.username
    response = _login(admin_membership.user).post(f"{MEMBERSHIPS}add/", {"username": taken, "role": "reviewer"})
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


def test_tenant_admin_changes_a_role_and_deactivates_a_user() -> None:
    admin_membership = MembershipFactory()
    colleague = MembershipFactory(tenant=admin_membership.tenant, role=Role.REVIEWER)
    colleague_session = _login(colleague.user)
    assert colleague_session.get("/admin/").status_code == 200
    response = _login(admin_membership.user).post(
        f"{MEMBERSHIPS}{colleague.pk}/change/", {"role": Role.COMPLIANCE_OFFICER}
    )
    assert response.status_code == 302
    colleague.user.refresh_from_db()
    assert not colleague.user.is_active
    assert colleague_session.get("/admin/").status_code == 302  # their open session ends too
    with tenant_scope(admin_membership.tenant):
        assert Membership.objects.get(pk=colleague.pk).role == Role.COMPLIANCE_OFFICER
    updates = _events(admin_membership.tenant, "UpdateUser")
    assert updates[-1].record["requestParameters"] == {
        "userName": colleague.user.username,
        "role": Role.COMPLIANCE_OFFICER,
        "active": False,
    }


def test_a_tenant_admin_cannot_lock_themselves_out() -> None:
    admin_membership = MembershipFactory()
    response = _login(admin_membership.user).post(
        f"{MEMBERSHIPS}{admin_membership.pk}/change/", {"role": Role.REVIEWER, "active": "on"}
    )
    assert response.status_code == 200
    assert "cannot demote or deactivate yourself" in response.content.decode()


def test_reviewers_cannot_manage_people_and_nobody_deletes_a_membership() -> None:
    reviewer = MembershipFactory(role=Role.REVIEWER)
    assert _login(reviewer.user).get(f"{MEMBERSHIPS}add/").status_code == 403
    admin_membership = MembershipFactory(tenant=reviewer.tenant)
    assert _login(admin_membership.user).get(f"{MEMBERSHIPS}{reviewer.pk}/delete/").status_code == 403


def test_operator_creates_a_tenant_user_from_the_command_line() -> None:
    tenant = TenantFactory()
    out = io.StringIO()
    call_command("tenant_user_create", tenant.slug, "bank-admin", "--role", "tenant_admin", stdout=out)
    assert LINK.search(out.getvalue()) is not None
    with tenant_scope(tenant):
        membership = Membership.objects.select_related("user").get(user__username="bank-admin")
    assert membership.role == Role.TENANT_ADMIN
    assert _events(tenant, "CreateUser")[0].record["userIdentity"]["type"] == "AWSService"
    with pytest.raises(CommandError, match="user_exists"):
        call_command("tenant_user_create", tenant.slug, "bank-admin", "--role", "reviewer", stdout=io.StringIO())
    with pytest.raises(CommandError, match="No tenant"):
        call_command("tenant_user_create", "no-such-bank", "someone", "--role", "reviewer", stdout=io.StringIO())


def test_operator_creates_a_user_in_a_chosen_tenant_from_the_admin() -> None:
    tenant = TenantFactory()
    response = _login(_operator()).post(
        f"{MEMBERSHIPS}add/", {"tenant": str(tenant.pk), "username": "first-admin", "role": "tenant_admin"}
    )
    assert response.status_code == 200
    assert LINK.search(response.content.decode()) is not None
    with tenant_scope(tenant):
        assert Membership.objects.get(user__username="first-admin").role == Role.TENANT_ADMIN
    assert _events(tenant, "CreateUser")[0].record["userIdentity"]["type"] == "AWSAccount"
