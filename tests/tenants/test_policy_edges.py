"""Key policies at their edges: the exact reason each invalid document is refused, host-bit CIDRs,
statements after one that does not apply, and a decision that is always a bool."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tenants.policy import PolicyError, RequestContext, is_allowed, validate_policy

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ALLOW_ALL = {"Effect": "Allow", "Action": "*"}


def document(*statements: object, **extra: object) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements), **extra}


def with_condition(condition: object) -> dict:
    return document({**ALLOW_ALL, "Condition": condition})


def ctx(ip: str | None = "192.0.2.9") -> RequestContext:
    return RequestContext(source_ip=ip, current_time=NOW)


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ([], "A policy is a JSON object."),
        (document(ALLOW_ALL, Id="x"), "Unknown policy keys: ['Id']."),
        ({"Version": "2012-10-17", "Statement": None}, "A policy needs at least one statement."),
        (document("Allow"), "Each statement is an object."),
        (document({"Effect": "allow", "Action": "*"}), 'Effect must be "Allow" or "Deny".'),
        (
            document({"Effect": "Allow", "Action": []}),
            'Action must be "*" or "<app>:<Operation>" names (wildcards allowed).',
        ),
        (document({**ALLOW_ALL, "Resource": ["*", "arn:x"]}), 'Only "Resource": "*" is supported.'),
        (with_condition(["IpAddress"]), "Condition must be an object."),
        (with_condition({"IpAddress": ["verity:SourceIp"]}), "IpAddress takes exactly one key, verity:SourceIp."),
        (
            with_condition({"IpAddress": {"verity:SourceIp": "192.0.2.0/24", "verity:CurrentTime": "x"}}),
            "IpAddress takes exactly one key, verity:SourceIp.",
        ),
        (with_condition({"IpAddress": {"verity:SourceIp": []}}), "IpAddress needs at least one value."),
        (
            with_condition({"DateLessThan": {"verity:CurrentTime": 20270101}}),
            "Dates in conditions are ISO 8601 strings.",
        ),
        (
            with_condition({"DateLessThan": {"verity:CurrentTime": "next tuesday"}}),
            "'next tuesday' is not an ISO 8601 date-time.",
        ),
    ],
)
def test_invalid_policies_are_refused_with_their_exact_reason(policy: object, message: str) -> None:
    with pytest.raises(PolicyError, match=f"^{re.escape(message)}$"):
        validate_policy(policy)


def test_every_date_in_a_condition_is_checked_not_only_the_first() -> None:
    policy = with_condition({"DateLessThan": {"verity:CurrentTime": ["2027-01-01T00:00:00Z", "2027-13-01T00:00:00Z"]}})
    with pytest.raises(PolicyError, match="is not an ISO 8601 date-time"):
        validate_policy(policy)


def test_resource_star_is_accepted_alone_or_as_a_list() -> None:
    assert validate_policy(document({**ALLOW_ALL, "Resource": "*"}))
    assert validate_policy(document({**ALLOW_ALL, "Resource": ["*"]}))


def test_a_range_written_with_host_bits_set_is_accepted_and_matches_its_network() -> None:
    policy = validate_policy(with_condition({"IpAddress": {"verity:SourceIp": "192.0.2.7/24"}}))
    assert is_allowed(policy, "verification:GetSubject", ctx("192.0.2.200"))
    assert not is_allowed(policy, "verification:GetSubject", ctx("198.51.100.1"))


def test_a_statement_for_other_actions_does_not_stop_later_statements_applying() -> None:
    policy = validate_policy(document({"Effect": "Allow", "Action": "moderation:*"}, ALLOW_ALL))
    assert is_allowed(policy, "verification:GetSubject", ctx())


def test_a_statement_whose_condition_fails_does_not_stop_later_statements_applying() -> None:
    policy = validate_policy(
        document(
            {**ALLOW_ALL, "Condition": {"IpAddress": {"verity:SourceIp": "198.51.100.0/24"}}},
            ALLOW_ALL,
        )
    )
    assert is_allowed(policy, "verification:GetSubject", ctx("192.0.2.9"))


def test_the_default_deny_is_the_boolean_false() -> None:
    assert (
        is_allowed(validate_policy(document({"Effect": "Allow", "Action": "moderation:*"})), "tenants:Get", ctx())
        is False
    )
