"""A key's own rate limit is capped at its tenant's API quota, however the key is issued."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from config.errors import InvalidInput
from tenants.models import ApiKey
from tenants.scope import tenant_scope
from tests.conftest import make_caller
from tests.factories import MembershipFactory, TenantFactory, issue_key

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rate_limit", ["", "10/second", "600/minute", "5/second"])
def test_a_key_may_have_any_rate_up_to_its_tenants_quota(rate_limit: str) -> None:
    tenant = TenantFactory(api_rate_quota="10/second")
    assert issue_key(tenant=tenant, rate_limit=rate_limit).api_key.rate_limit == rate_limit


@pytest.mark.parametrize("rate_limit", ["11/second", "601/minute", "1000000/day"])
def test_a_key_rate_above_the_tenants_quota_is_refused_and_nothing_is_issued(rate_limit: str) -> None:
    tenant = TenantFactory(api_rate_quota="10/second")
    with pytest.raises(InvalidInput) as raised:
        issue_key(tenant=tenant, rate_limit=rate_limit)
    assert raised.value.code == "rate_limit_above_quota"
    assert "10/second" in raised.value.detail
    with tenant_scope(tenant):
        assert not ApiKey.objects.exists()


def test_without_a_tenant_quota_the_platform_default_is_the_cap(settings: Any) -> None:
    settings.VERITY_DEFAULT_API_KEY_RATE = "50/second"
    tenant = TenantFactory()
    issue_key(tenant=tenant, rate_limit="50/second")
    with pytest.raises(InvalidInput) as raised:
        issue_key(tenant=tenant, rate_limit="51/second")
    assert raised.value.code == "rate_limit_above_quota"


def test_an_unparseable_rate_is_still_invalid_rate_limit() -> None:
    with pytest.raises(InvalidInput) as raised:
        issue_key(tenant=TenantFactory(), rate_limit="lots")
    assert raised.value.code == "invalid_rate_limit"


def test_model_validation_refuses_a_rate_above_the_quota() -> None:
    tenant = TenantFactory(api_rate_quota="2/second")
    with tenant_scope(tenant):
        key = ApiKey(tenant=tenant, prefix="vk_live_x", secret_hash="0" * 64, policy={}, rate_limit="3/second")
        with pytest.raises(ValidationError) as raised:
            key.full_clean()
    assert raised.value.message_dict["rate_limit"][0].startswith("A key's rate limit may not exceed")


def test_tenant_admin_cannot_issue_a_key_above_the_quota_in_the_admin() -> None:
    membership = MembershipFactory(tenant=TenantFactory(api_rate_quota="10/second"))
    client = Client()
    client.force_login(membership.user)
    response = client.post(
        "/admin/tenants/apikey/add/",
        {
            "name": "fast",
            "mode": "live",
            "policy": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*"}]}',
            "rate_limit": "1000/second",
        },
    )
    assert response.status_code == 200
    assert "may not exceed its tenant&#x27;s API quota" in response.content.decode()
    with tenant_scope(membership.tenant):
        assert not ApiKey.objects.exists()


def test_the_quota_must_itself_be_a_rate() -> None:
    tenant = TenantFactory.build(api_rate_quota="fast")
    with pytest.raises(ValidationError) as raised:
        tenant.full_clean()
    assert "api_rate_quota" in raised.value.message_dict


def test_a_stored_key_above_the_quota_is_held_to_the_quota() -> None:
    caller = make_caller()
    caller.tenant.api_rate_quota = "2/minute"
    caller.tenant.save()
    with tenant_scope(caller.tenant):  # as a key issued before the cap existed
        ApiKey.objects.filter(pk=caller.api_key.pk).update(rate_limit="1000/minute")
    assert caller.client.get("/v1/tenant").status_code == 200
    assert caller.client.get("/v1/tenant").status_code == 200
    limited = caller.client.get("/v1/tenant")
    assert limited.status_code == 429
    assert limited["RateLimit-Limit"] == "2"


def test_a_longer_window_cannot_burst_past_the_quota() -> None:
    tenant = TenantFactory(api_rate_quota="1/minute")
    caller = make_caller(tenant=tenant, rate_limit="60/hour")
    assert caller.client.get("/v1/tenant").status_code == 200
    assert caller.client.get("/v1/tenant").status_code == 429
