"""Date conditions at their boundary: the strict operators exclude the instant, the Equals forms include it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tenants.policy import RequestContext, is_allowed, validate_policy

LIMIT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def allowed_at(operator: str, now: datetime) -> bool:
    document = validate_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "*",
                    "Condition": {operator: {"verity:CurrentTime": "2026-06-01T12:00:00Z"}},
                }
            ],
        }
    )
    return is_allowed(document, "verification:GetSubject", RequestContext(source_ip=None, current_time=now))


@pytest.mark.parametrize(
    ("operator", "before", "at", "after"),
    [
        ("DateLessThan", True, False, False),
        ("DateLessThanEquals", True, True, False),
        ("DateGreaterThan", False, False, True),
        ("DateGreaterThanEquals", False, True, True),
    ],
)
def test_date_conditions_one_second_before_at_and_after_the_limit(
    operator: str, before: bool, at: bool, after: bool
) -> None:
    assert (
        allowed_at(operator, LIMIT - SECOND),
        allowed_at(operator, LIMIT),
        allowed_at(operator, LIMIT + SECOND),
    ) == (
        before,
        at,
        after,
    )
