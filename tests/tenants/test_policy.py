"""IAM-shaped key policies: validation, evaluation (explicit deny wins, default deny) and enforcement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from config.errors import InvalidInput
from tenants.policy import PolicyError, RequestContext, is_allowed, validate_policy
from tests.conftest import make_caller
from tests.factories import issue_key

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def policy(*statements: dict) -> dict:
    return validate_policy({"Version": "2012-10-17", "Statement": list(statements)})


def ctx(ip: str | None = "203.0.113.7", now: datetime = NOW) -> RequestContext:
    return RequestContext(source_ip=ip, current_time=now)


def test_allow_matches_exact_and_wildcard_actions() -> None:
    document = policy({"Effect": "Allow", "Action": ["verification:Get*", "tenants:GetTenant"]})
    assert is_allowed(document, "verification:GetSubject", ctx())
    assert is_allowed(document, "tenants:GetTenant", ctx())
    assert not is_allowed(document, "verification:CreateSubject", ctx())


def test_actions_match_case_insensitively_like_iam() -> None:
    assert is_allowed(
        policy({"Effect": "Allow", "Action": "Verification:getsubject"}), "verification:GetSubject", ctx()
    )


def test_default_is_deny() -> None:
    assert not is_allowed(policy({"Effect": "Allow", "Action": "moderation:*"}), "verification:GetSubject", ctx())


def test_explicit_deny_wins_over_allow() -> None:
    document = policy(
        {"Effect": "Allow", "Action": "*"},
        {"Effect": "Deny", "Action": "verification:CreateSubject"},
    )
    assert not is_allowed(document, "verification:CreateSubject", ctx())
    assert is_allowed(document, "verification:GetSubject", ctx())


def test_ip_address_condition() -> None:
    document = policy(
        {"Effect": "Allow", "Action": "*", "Condition": {"IpAddress": {"verity:SourceIp": ["203.0.113.0/24"]}}}
    )
    assert is_allowed(document, "tenants:GetTenant", ctx("203.0.113.99"))
    assert not is_allowed(document, "tenants:GetTenant", ctx("198.51.100.1"))
    assert not is_allowed(document, "tenants:GetTenant", ctx(None))


def test_not_ip_address_deny_blocks_outside_ranges() -> None:
    document = policy(
        {"Effect": "Allow", "Action": "*"},
        {"Effect": "Deny", "Action": "*", "Condition": {"NotIpAddress": {"verity:SourceIp": "10.0.0.0/8"}}},
    )
    assert is_allowed(document, "tenants:GetTenant", ctx("10.1.2.3"))
    assert not is_allowed(document, "tenants:GetTenant", ctx("203.0.113.7"))


def test_ipv6_ranges() -> None:
    document = policy(
        {"Effect": "Allow", "Action": "*", "Condition": {"IpAddress": {"verity:SourceIp": "2001:db8::/32"}}}
    )
    assert is_allowed(document, "tenants:GetTenant", ctx("2001:db8::1"))
    assert not is_allowed(document, "tenants:GetTenant", ctx("2001:db9::1"))


def test_time_conditions() -> None:
    document = policy(
        {
            "Effect": "Allow",
            "Action": "*",
            "Condition": {
                "DateGreaterThan": {"verity:CurrentTime": "2026-01-01T00:00:00Z"},
                "DateLessThan": {"verity:CurrentTime": "2027-01-01T00:00:00Z"},
            },
        }
    )
    assert is_allowed(document, "tenants:GetTenant", ctx(now=NOW))
    assert not is_allowed(document, "tenants:GetTenant", ctx(now=NOW.replace(year=2027, month=2)))
    assert not is_allowed(document, "tenants:GetTenant", ctx(now=NOW.replace(year=2025)))


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "JSON object"),
        ({"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "*"}]}, "Version"),
        ({"Version": "2012-10-17", "Statement": []}, "at least one"),
        ({"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "*"}]}, "Effect"),
        ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "rm -rf"}]}, "Action"),
        ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Principal": "*"}]}, "Unknown"),
        ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "arn:x"}]}, "Resource"),
        (
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"StringLike": {}}}],
            },
            "Unsupported",
        ),
        (
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "*", "Condition": {"IpAddress": {"verity:SourceIp": "999.1.1.1"}}}
                ],
            },
            "not valid",
        ),
        (
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "*",
                        "Condition": {"DateLessThan": {"verity:CurrentTime": "2027-01-01T00:00:00"}},
                    }
                ],
            },
            "time zone",
        ),
        ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*"}], "Id": "x"}, "Unknown"),
    ],
)
def test_invalid_policies_are_refused_with_the_reason(document: object, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        validate_policy(document)


@pytest.mark.django_db
def test_issuing_a_key_with_an_invalid_policy_writes_nothing() -> None:
    caller = make_caller()
    with pytest.raises(InvalidInput) as raised:
        issue_key(tenant=caller.tenant, policy={"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]})
    assert raised.value.code == "invalid_policy"


@pytest.mark.django_db
def test_request_denied_by_policy_gets_403_naming_the_action() -> None:
    caller = make_caller(policy={"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "tenants:*"}]})
    assert caller.client.get("/v1/tenant").status_code == 200
    response = caller.client.post("/v1/subjects", {"external_id": "x"}, format="json")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "permission_denied"
    assert body["action"] == "verification:CreateSubject"
    assert "verification:CreateSubject" in body["detail"]


ALLOWED_ONLY_FROM_DOCUMENTATION_RANGE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"IpAddress": {"verity:SourceIp": "192.0.2.0/24"}}}],
}


@pytest.mark.django_db
def test_source_ip_condition_is_enforced_on_requests() -> None:
    caller = make_caller(policy=ALLOWED_ONLY_FROM_DOCUMENTATION_RANGE)
    assert caller.client.get("/v1/tenant", REMOTE_ADDR="192.0.2.10").status_code == 200
    assert caller.client.get("/v1/tenant", REMOTE_ADDR="198.51.100.10").status_code == 403


@pytest.mark.django_db
def test_forwarded_for_is_believed_only_from_trusted_proxies(settings: object) -> None:
    caller = make_caller(policy=ALLOWED_ONLY_FROM_DOCUMENTATION_RANGE)
    spoofed = caller.client.get("/v1/tenant", REMOTE_ADDR="198.51.100.10", HTTP_X_FORWARDED_FOR="192.0.2.10")
    assert spoofed.status_code == 403
    settings.VERITY_TRUSTED_PROXIES = ["198.51.100.0/24"]  # type: ignore[attr-defined]
    proxied = caller.client.get("/v1/tenant", REMOTE_ADDR="198.51.100.10", HTTP_X_FORWARDED_FOR="192.0.2.10")
    assert proxied.status_code == 200


@pytest.mark.django_db
def test_expiry_in_the_past_is_refused() -> None:
    caller = make_caller()
    with pytest.raises(InvalidInput) as raised:
        issue_key(tenant=caller.tenant, expires_at=timezone.now() - timedelta(minutes=1))
    assert raised.value.code == "invalid_expiry"


RESTRICTED_TO_DOCUMENTATION_RANGE = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "*"},
        {"Effect": "Deny", "Action": "*", "Condition": {"NotIpAddress": {"verity:SourceIp": "192.0.2.0/24"}}},
    ],
}


def test_negated_ip_condition_holds_when_the_source_ip_is_unknown_as_in_iam() -> None:
    document = policy(*RESTRICTED_TO_DOCUMENTATION_RANGE["Statement"])
    assert not is_allowed(document, "tenants:GetTenant", ctx(None))
    assert not is_allowed(document, "tenants:GetTenant", ctx("not-an-address"))
    assert is_allowed(document, "tenants:GetTenant", ctx("192.0.2.1"))
    allow_unless = policy(
        {"Effect": "Allow", "Action": "*", "Condition": {"NotIpAddress": {"verity:SourceIp": "10.0.0.0/8"}}}
    )
    assert is_allowed(allow_unless, "tenants:GetTenant", ctx(None))


def test_ipv4_mapped_ipv6_addresses_match_ipv4_ranges() -> None:
    allow_inside = policy(*ALLOWED_ONLY_FROM_DOCUMENTATION_RANGE["Statement"])
    assert is_allowed(allow_inside, "tenants:GetTenant", ctx("::ffff:192.0.2.10"))
    deny_outside = policy(*RESTRICTED_TO_DOCUMENTATION_RANGE["Statement"])
    assert is_allowed(deny_outside, "tenants:GetTenant", ctx("::ffff:192.0.2.10"))
    assert not is_allowed(deny_outside, "tenants:GetTenant", ctx("::ffff:198.51.100.7"))


@pytest.mark.django_db
def test_deny_outside_a_range_applies_when_remote_addr_is_empty() -> None:
    caller = make_caller(policy=RESTRICTED_TO_DOCUMENTATION_RANGE)
    assert caller.client.get("/v1/tenant", REMOTE_ADDR="192.0.2.10").status_code == 200
    assert caller.client.get("/v1/tenant", REMOTE_ADDR="").status_code == 403


@pytest.mark.django_db
def test_a_key_restricted_by_address_fails_closed_when_the_address_is_unknown() -> None:
    # IAM would allow this statement for an absent address; Verity refuses to guess.
    caller = make_caller(
        policy={
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "*", "Condition": {"NotIpAddress": {"verity:SourceIp": "10.0.0.0/8"}}}
            ],
        }
    )
    assert caller.client.get("/v1/tenant", REMOTE_ADDR="203.0.113.5").status_code == 200
    response = caller.client.get("/v1/tenant", REMOTE_ADDR="")
    assert response.status_code == 403
    assert "address could not be established" in response.json()["detail"]
    unrestricted = make_caller(tenant=caller.tenant)
    assert unrestricted.client.get("/v1/tenant", REMOTE_ADDR="").status_code == 200


@pytest.mark.django_db
def test_ipv4_mapped_remote_addr_is_matched_against_ipv4_ranges_on_requests() -> None:
    deny_range = make_caller(
        policy={
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "*"},
                {"Effect": "Deny", "Action": "*", "Condition": {"IpAddress": {"verity:SourceIp": "198.51.100.0/24"}}},
            ],
        }
    )
    assert deny_range.client.get("/v1/tenant", REMOTE_ADDR="::ffff:198.51.100.7").status_code == 403
    allow_range = make_caller(tenant=deny_range.tenant, policy=RESTRICTED_TO_DOCUMENTATION_RANGE)
    assert allow_range.client.get("/v1/tenant", REMOTE_ADDR="::ffff:192.0.2.7").status_code == 200
    assert allow_range.client.get("/v1/tenant", REMOTE_ADDR="::ffff:198.51.100.7").status_code == 403


@pytest.mark.django_db
def test_ipv4_mapped_proxy_address_is_trusted_as_its_ipv4_range(settings: object) -> None:
    caller = make_caller(policy=RESTRICTED_TO_DOCUMENTATION_RANGE)
    settings.VERITY_TRUSTED_PROXIES = ["198.51.100.0/24"]  # type: ignore[attr-defined]
    proxied = caller.client.get("/v1/tenant", REMOTE_ADDR="::ffff:198.51.100.10", HTTP_X_FORWARDED_FOR="192.0.2.10")
    assert proxied.status_code == 200
