"""The admin shows a tenant's staff only their tenant; operators see every tenant."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.test import Client
from rest_framework.test import APIClient

from tenants.models import ApiKey, Role, Tenant, Threshold
from tenants.scope import tenant_scope
from tenants.services import threshold_set
from tests.factories import MembershipFactory, SubjectFactory, UserFactory, issue_key

pytestmark = pytest.mark.django_db


def _login(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _issue_key_in_admin(client: Client) -> HttpResponse:
    return client.post(
        "/admin/tenants/apikey/add/",
        {
            "name": "ci",
            "mode": "test",
            "policy": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*"}]}',
            "rate_limit": "",
        },
    )


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
    mine = issue_key(tenant=membership.tenant, name="mine").api_key
    theirs = issue_key(tenant=other.tenant, name="theirs").api_key
    client = _login(membership.user)
    tenants_page = client.get("/admin/tenants/tenant/").content.decode()
    assert membership.tenant.slug in tenants_page
    assert other.tenant.slug not in tenants_page
    assert client.get(f"/admin/tenants/tenant/{other.tenant.pk}/change/").status_code == 302
    keys_page = client.get("/admin/tenants/apikey/").content.decode()
    assert mine.prefix in keys_page
    assert theirs.prefix not in keys_page
    their_key = client.get(f"/admin/tenants/apikey/{theirs.pk}/change/", follow=True).content.decode()
    assert theirs.prefix not in their_key
    assert "doesn’t exist" in their_key


def test_operator_sees_every_tenant() -> None:
    operator = get_user_model().objects.create_superuser("ops", "ops@example.com", "a-long-operator-password")
    first, second = SubjectFactory(), SubjectFactory()
    client = _login(operator)
    tenants_page = client.get("/admin/tenants/tenant/").content.decode()
    assert first.tenant.slug in tenants_page
    assert second.tenant.slug in tenants_page
    page = client.get("/admin/verification/subject/").content.decode()
    assert first.public_id in page
    assert second.public_id in page


def test_staff_without_a_tenant_is_refused() -> None:
    response = _login(UserFactory()).get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_reviewer_may_view_but_not_change_thresholds() -> None:
    membership = MembershipFactory(role=Role.REVIEWER)
    with tenant_scope(membership.tenant):
        threshold = threshold_set(tenant=membership.tenant, operation="CompareFaces", face_model_version="", value=95)
    client = _login(membership.user)
    change = f"/admin/tenants/threshold/{threshold.pk}/change/"
    assert "95" in client.get("/admin/tenants/threshold/").content.decode()
    detail = client.get(change)
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert client.get("/admin/tenants/threshold/add/").status_code == 403
    assert client.post(change, {"value": "50", "_save": "Save"}).status_code == 403
    assert client.post(f"/admin/tenants/threshold/{threshold.pk}/delete/", {"post": "yes"}).status_code == 403
    with tenant_scope(membership.tenant):
        assert list(Threshold.objects.values_list("value", flat=True)) == [95.0]


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


@pytest.mark.usefixtures("aws_and_rekognition")  # a test key's engine is the local endpoint
def test_tenant_admin_issues_a_key_shown_once() -> None:
    membership = MembershipFactory()
    MembershipFactory()  # another tenant, which must not get the key
    client = _login(membership.user)
    page = _issue_key_in_admin(client).content.decode()
    tokens = re.findall(r"vk_test_[A-Za-z0-9]{52}", page)
    assert len(tokens) == 1  # one secret, on the page once
    with tenant_scope(membership.tenant):
        issued = ApiKey.objects.get()
    assert tokens[0].startswith(issued.prefix)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens[0]}")
    shown = api.get("/v1/tenant").json()  # a test key acts for the tenant's test twin
    assert (shown["livemode"], shown["slug"]) == (False, f"test-{membership.tenant.public_id.removeprefix('ten_')}")
    for later in ("/admin/tenants/apikey/", f"/admin/tenants/apikey/{issued.pk}/change/"):
        assert tokens[0] not in client.get(later).content.decode()


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
    client = _login(MembershipFactory().user)
    assert client.get("/admin/tenants/tenant/add/").status_code == 403
    refused = client.post(
        "/admin/tenants/tenant/add/",
        {"slug": "not-made", "name": "Not Made", "region": "us-east-1", "shard_count": "1"},
    )
    assert refused.status_code == 403
    assert not Tenant.objects.filter(slug="not-made").exists()


def test_a_new_key_is_shown_on_an_uncached_page_and_never_in_a_cookie_or_message() -> None:
    membership = MembershipFactory()
    client = _login(membership.user)
    response = _issue_key_in_admin(client)
    assert response.status_code == 200  # rendered straight into this response, not after a redirect
    token = re.search(r"vk_test_[A-Za-z0-9]{52}", response.content.decode())
    assert token is not None
    assert "no-store" in response["Cache-Control"]
    assert all(token.group() not in morsel.value for morsel in client.cookies.values())
    assert all(token.group() not in str(message) for message in get_messages(response.wsgi_request))
    later = client.get("/admin/tenants/apikey/").content.decode()
    assert token.group() not in later


@pytest.mark.usefixtures("aws_and_rekognition")
def test_a_new_tenants_first_key_is_never_put_in_a_cookie() -> None:
    operator = get_user_model().objects.create_superuser("ops", "ops@example.com", "a-long-operator-password")
    client = _login(operator)
    response = client.post(
        "/admin/tenants/tenant/add/",
        {"slug": "cookie-free", "name": "Cookie Free", "region": "us-east-1", "shard_count": "1"},
    )
    token = re.search(r"vk_live_[A-Za-z0-9]{52}", response.content.decode())
    assert token is not None
    assert "no-store" in response["Cache-Control"]
    assert all(token.group() not in morsel.value for morsel in client.cookies.values())


def test_messages_are_kept_on_the_server() -> None:
    assert settings.MESSAGE_STORAGE == "django.contrib.messages.storage.session.SessionStorage"


def test_a_reviewer_cannot_revoke_keys_through_the_admin_action() -> None:
    membership = MembershipFactory(role=Role.REVIEWER)
    issued = issue_key(tenant=membership.tenant, name="keep me")
    response = _login(membership.user).post(
        "/admin/tenants/apikey/", {"action": "revoke", "_selected_action": [str(issued.api_key.pk)]}, follow=True
    )
    assert response.status_code in (200, 403)
    with tenant_scope(membership.tenant):
        assert ApiKey.objects.get(pk=issued.api_key.pk).revoked_at is None


def test_a_tenant_admin_revokes_keys_through_the_admin_action() -> None:
    membership = MembershipFactory()
    issued = issue_key(tenant=membership.tenant, name="revoke me")
    _login(membership.user).post(
        "/admin/tenants/apikey/", {"action": "revoke", "_selected_action": [str(issued.api_key.pk)]}
    )
    with tenant_scope(membership.tenant):
        assert ApiKey.objects.get(pk=issued.api_key.pk).revoked_at is not None
