"""IAM-shaped API key policies: validation and evaluation.

A policy is ``{"Version": "2012-10-17", "Statement": [{"Effect", "Action", "Condition"?}]}``
over actions named ``<app>:<Operation>`` (wildcards ``*`` and ``?``, case-insensitive as in
IAM). Evaluation is IAM's: an explicit Deny wins, then an Allow, otherwise deny by default.
Conditions: ``IpAddress`` / ``NotIpAddress`` on ``verity:SourceIp`` and ``DateLessThan`` /
``DateGreaterThan`` (and their ``Equals`` forms) on ``verity:CurrentTime``. As in IAM, a condition
whose key is absent from the request (no known source IP) is false for a positive operator and
true for a negated one (``Not…``): "deny unless from 192.0.2.0/24" denies a caller of unknown address.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

POLICY_VERSION = "2012-10-17"
FULL_ACCESS_POLICY: dict[str, Any] = {
    "Version": POLICY_VERSION,
    "Statement": [{"Effect": "Allow", "Action": "*"}],
}
ACTION_PATTERN = re.compile(r"^(\*|[A-Za-z]+:[A-Za-z*?]+)$")
_STATEMENT_KEYS = {"Sid", "Effect", "Action", "Resource", "Condition"}
_IP_OPERATORS = {"IpAddress", "NotIpAddress"}
_DATE_OPERATORS = {"DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals"}


class PolicyError(ValueError):
    """The policy document is not valid."""


@dataclass(frozen=True)
class RequestContext:
    source_ip: str | None
    current_time: datetime


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _parse_time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise PolicyError("Dates in conditions are ISO 8601 strings.")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise PolicyError(f"{value!r} is not an ISO 8601 date-time.") from exc
    if parsed.tzinfo is None:
        raise PolicyError(f"{value!r} needs a time zone (for example a trailing Z).")
    return parsed


def _validate_condition(condition: Any) -> None:
    if not isinstance(condition, dict):
        raise PolicyError("Condition must be an object.")
    for operator, clause in condition.items():
        if operator in _IP_OPERATORS:
            expected_key = "verity:SourceIp"
        elif operator in _DATE_OPERATORS:
            expected_key = "verity:CurrentTime"
        else:
            raise PolicyError(f"Unsupported condition operator {operator!r}.")
        if not isinstance(clause, dict) or set(clause) != {expected_key}:
            raise PolicyError(f"{operator} takes exactly one key, {expected_key}.")
        values = _as_list(clause[expected_key])
        if not values:
            raise PolicyError(f"{operator} needs at least one value.")
        for value in values:
            if operator in _DATE_OPERATORS:
                _parse_time(value)
                continue
            try:
                ipaddress.ip_network(value, strict=False)
            except (ValueError, TypeError) as exc:
                raise PolicyError(f"{value!r} is not valid for {operator}.") from exc


def validate_policy(document: Any) -> dict[str, Any]:
    """Return the document if it is a valid policy; raise PolicyError naming the first problem."""
    if not isinstance(document, dict):
        raise PolicyError("A policy is a JSON object.")
    if set(document) - {"Version", "Statement"}:
        raise PolicyError(f"Unknown policy keys: {sorted(set(document) - {'Version', 'Statement'})}.")
    if document.get("Version") != POLICY_VERSION:
        raise PolicyError(f'Version must be "{POLICY_VERSION}".')
    statements = _as_list(document.get("Statement"))
    if not statements or statements == [None]:
        raise PolicyError("A policy needs at least one statement.")
    for statement in statements:
        if not isinstance(statement, dict):
            raise PolicyError("Each statement is an object.")
        unknown = set(statement) - _STATEMENT_KEYS
        if unknown:
            raise PolicyError(f"Unknown statement keys: {sorted(unknown)}.")
        if statement.get("Effect") not in ("Allow", "Deny"):
            raise PolicyError('Effect must be "Allow" or "Deny".')
        actions = _as_list(statement.get("Action"))
        if not actions or not all(isinstance(a, str) and ACTION_PATTERN.match(a) for a in actions):
            raise PolicyError('Action must be "*" or "<app>:<Operation>" names (wildcards allowed).')
        if "Resource" in statement and _as_list(statement["Resource"]) != ["*"]:
            raise PolicyError('Only "Resource": "*" is supported.')
        if "Condition" in statement:
            _validate_condition(statement["Condition"])
    return document


def _ip_in(address: ipaddress.IPv4Address | ipaddress.IPv6Address, networks: list[str]) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:198.51.100.7 is 198.51.100.7
    return any(address in ipaddress.ip_network(net, strict=False) for net in networks)


def _source_address(context: RequestContext) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(context.source_ip) if context.source_ip else None
    except ValueError:
        return None


_DATE_COMPARATORS: dict[str, Callable[[datetime, datetime], bool]] = {
    "DateLessThan": lambda now, limit: now < limit,
    "DateLessThanEquals": lambda now, limit: now <= limit,
    "DateGreaterThan": lambda now, limit: now > limit,
    "DateGreaterThanEquals": lambda now, limit: now >= limit,
}


def _condition_holds(condition: dict[str, Any], context: RequestContext) -> bool:
    for operator, clause in condition.items():
        if operator in _IP_OPERATORS:
            address = _source_address(context)
            if address is None:
                # IAM: an absent key makes a positive operator false and a negated one true.
                holds = operator.startswith("Not")
            else:
                inside = _ip_in(address, _as_list(clause["verity:SourceIp"]))
                holds = inside if operator == "IpAddress" else not inside
        else:
            compare = _DATE_COMPARATORS[operator]
            holds = any(compare(context.current_time, _parse_time(v)) for v in _as_list(clause["verity:CurrentTime"]))
        if not holds:
            return False
    return True


def _action_matches(patterns: list[str], action: str) -> bool:
    return any(fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in patterns)


def has_source_ip_condition(document: dict[str, Any]) -> bool:
    """Whether any statement's decision depends on the caller's address."""
    return any(
        operator in _IP_OPERATORS
        for statement in _as_list(document.get("Statement"))
        for operator in statement.get("Condition", {})
    )


def is_allowed(document: dict[str, Any], action: str, context: RequestContext) -> bool:
    allowed = False
    for statement in _as_list(document.get("Statement")):
        if not _action_matches(_as_list(statement["Action"]), action):
            continue
        if not _condition_holds(statement.get("Condition", {}), context):
            continue
        if statement["Effect"] == "Deny":
            return False
        allowed = True
    return allowed
