"""Admin changelists filter only by what they declare: no probing of hashes or other hidden columns."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client

from tenants.admin_site import VerityModelAdmin
from tenants.models import Role
from tests.factories import MembershipFactory, issue_key

pytestmark = pytest.mark.django_db


def _login(role: str) -> tuple[Client, object]:
    membership = MembershipFactory(role=role)
    client = Client()
    client.force_login(membership.user)
    return client, membership


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.TENANT_ADMIN])
def test_key_hashes_cannot_be_probed_through_changelist_lookups(role: str) -> None:
    client, membership = _login(role)
    issued = issue_key(tenant=membership.tenant, name="probe-me")  # type: ignore[attr-defined]
    right, wrong = issued.api_key.secret_hash[:2], "zz"
    for prefix in (right, wrong):
        response = client.get(f"/admin/tenants/apikey/?secret_hash__startswith={prefix}")
        assert response.status_code == 400  # the same refusal whether the prefix matches or not
        assert "probe-me" not in response.content.decode()


def test_declared_list_filters_still_work() -> None:
    client, membership = _login(Role.TENANT_ADMIN)
    issue_key(tenant=membership.tenant, name="a test key", mode="test")  # type: ignore[attr-defined]
    filtered = client.get("/admin/tenants/apikey/?mode__exact=test")
    assert filtered.status_code == 200
    assert "a test key" in filtered.content.decode()
    assert client.get("/admin/tenants/membership/?role__exact=reviewer").status_code == 200


def test_operators_cannot_probe_undeclared_columns_of_third_party_admins_either() -> None:
    operator = get_user_model().objects.create_superuser("ops", "ops@example.com", "a-long-operator-password")
    client = Client()
    client.force_login(operator)
    assert client.get("/admin/auth/user/?email__startswith=ops").status_code == 400
    assert client.get("/admin/auth/user/?is_staff__exact=1").status_code == 200


def test_every_registered_admin_restricts_lookups() -> None:
    assert all(isinstance(model_admin, VerityModelAdmin) for model_admin in admin.site._registry.values())
