"""The admin shows a tenant's staff only their tenant; operators see every tenant."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tenants.models import Role, Tenant, Threshold
from tenants.scope import tenant_scope
from tests.factories import MembershipFactory, SubjectFactory, UserFactory

pytestmark = pytest.mark.django_db


def _login(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_tenant_admin_lists_only_own_subjects() -> None:
    membership = MembershipFactory()
    mine = SubjectFactory(tenant=membership.tenant)
    theirs = SubjectFactory()
    page = _login(membership.user).get("/admin/verification/subject/").content.decode()
    assert mine.public_id in page
    assert theirs.public_id not in page


def test_tenant_admin_cannot_open_another_tenants_subject_by_url() -> None:
    membership = MembershipFactory()
    theirs = SubjectFactory()
    client = _login(membership.user)
    response = client.get(f"/admin/verification/subject/{theirs.pk}/change/", follow=True)
    assert theirs.public_id not in response.content.decode()
    assert "doesn’t exist" in response.content.decode()
    delete = client.post(f"/admin/verification/subject/{theirs.pk}/delete/", {"post": "yes"}, follow=True)
    assert "doesn’t exist" in delete.content.decode()
    with tenant_scope(theirs.tenant):
        assert type(theirs).objects.filter(pk=theirs.pk).exists()


def test_tenant_admin_sees_only_own_tenant_and_keys() -> None:
    membership = MembershipFactory()
    other = MembershipFactory()
    client = _login(membership.user)
    tenants_page = client.get("/admin/tenants/tenant/").content.decode()
    assert membership.tenant.slug in tenants_page
    assert other.tenant.slug not in tenants_page
    assert client.get(f"/admin/tenants/tenant/{other.tenant.pk}/change/").status_code == 302


def test_operator_sees_every_tenant() -> None:
    operator = get_user_model().objects.create_superuser("ops", "ops@example.com", "a-long-operator-password")
    first, second = SubjectFactory(), SubjectFactory()
    page = _login(operator).get("/admin/verification/subject/").content.decode()
    assert first.public_id in page
    assert second.public_id in page


def test_staff_without_a_tenant_is_refused() -> None:
    response = _login(UserFactory()).get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_reviewer_may_view_but_not_change_thresholds() -> None:
    membership = MembershipFactory(role=Role.REVIEWER)
    client = _login(membership.user)
    assert client.get("/admin/tenants/threshold/").status_code == 200
    assert client.get("/admin/tenants/threshold/add/").status_code == 403


def test_tenant_admin_sets_a_threshold_for_own_tenant_within_range() -> None:
    membership = MembershipFactory()
    client = _login(membership.user)
    out_of_range = client.post(
        "/admin/tenants/threshold/add/", {"operation": "CompareFaces", "face_model_version": "", "value": "101"}
    )
    assert out_of_range.status_code == 200  # the form is shown again with the error
    assert "between" in out_of_range.content.decode()
    ok = client.post(
        "/admin/tenants/threshold/add/", {"operation": "CompareFaces", "face_model_version": "7.0", "value": "97"}
    )
    assert ok.status_code == 302
    duplicate = client.post(
        "/admin/tenants/threshold/add/", {"operation": "CompareFaces", "face_model_version": "7.0", "value": "98"}
    )
    assert duplicate.status_code == 200
    with tenant_scope(membership.tenant):
        assert list(Threshold.objects.values_list("tenant_id", "value")) == [(membership.tenant.pk, 97.0)]


def test_tenant_admin_issues_a_key_shown_once() -> None:
    membership = MembershipFactory()
    response = _login(membership.user).post(
        "/admin/tenants/apikey/add/",
        {
            "name": "ci",
            "mode": "test",
            "policy": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*"}]}',
            "rate_limit": "",
        },
        follow=True,
    )
    assert "vk_test_" in response.content.decode()


def test_invalid_policy_in_admin_is_a_form_error() -> None:
    membership = MembershipFactory()
    response = _login(membership.user).post(
        "/admin/tenants/apikey/add/", {"name": "ci", "mode": "live", "policy": '{"Version": "1"}', "rate_limit": ""}
    )
    assert response.status_code == 200
    assert "Version must be" in response.content.decode()


@pytest.mark.usefixtures("aws_and_rekognition")
def test_operator_provisions_a_tenant_from_the_admin() -> None:
    operator = get_user_model().objects.create_superuser("ops", "ops@example.com", "a-long-operator-password")
    response = _login(operator).post(
        "/admin/tenants/tenant/add/",
        {"slug": "admin-made", "name": "Admin Made", "region": "us-east-1", "shard_count": "2"},
        follow=True,
    )
    assert "vk_live_" in response.content.decode()
    tenant = Tenant.objects.get(slug="admin-made")
    assert tenant.kms_key_arn.startswith("arn:aws:kms:")
    assert tenant.shard_count == 2


def test_tenant_admin_cannot_provision_tenants() -> None:
    membership = MembershipFactory()
    assert _login(membership.user).get("/admin/tenants/tenant/add/").status_code == 403
