"""The consent register: every consent given, withdrawn or expiring in a period, as CSV, for compliance officers."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from typing import Any, Protocol

from audit.recording import record_change
from audit.redaction import KEEP, register_event
from config.errors import InvalidInput
from tenants.models import Tenant
from tenants.scope import require_scope
from verification.flows import VERIFICATION_SOURCE
from verification.selectors import consent_register


class Writable(Protocol):
    """Where the CSV goes: a text file, or an HttpResponse."""

    def write(self, text: str, /) -> Any: ...


REGISTER_COLUMNS = (
    "consent_id",
    "subject_id",
    "purpose",
    "text_version",
    "method",
    "granted_at",
    "source_ip",
    "expires_at",
    "withdrawn_at",
    "state_at_period_end",
    "erasure_id",
    "erasure_status",
)

register_event(
    VERIFICATION_SOURCE,
    "ExportConsentRegister",
    request={"start": KEEP, "end": KEEP},
    response={"consents": KEEP},
)


def _moment(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def consent_register_write(*, tenant: Tenant, start: datetime, end: datetime, out: Writable, actor: Any = None) -> int:
    """Write the register for [start, end) as CSV to ``out``; the number of consents. Audited."""
    require_scope(tenant)
    if not start < end:
        raise InvalidInput("The period's start must be before its end.", code="invalid_period")
    writer = csv.writer(out)
    writer.writerow(REGISTER_COLUMNS)
    count = 0
    for consent in consent_register(start=start, end=end).iterator(chunk_size=1000):
        if consent.withdrawn_at is not None and consent.withdrawn_at < end:
            state = "withdrawn"
        elif consent.expires_at is not None and consent.expires_at <= end:
            state = "expired"
        else:
            state = "active"
        writer.writerow(
            [
                consent.public_id,
                consent.subject.public_id,
                consent.purpose,
                consent.text_version,
                consent.method,
                _moment(consent.granted_at),
                consent.source_ip or "",
                _moment(consent.expires_at),
                _moment(consent.withdrawn_at),
                state,
                consent.erasure_id or "",  # type: ignore[attr-defined]  # annotated
                consent.erasure_status or "",  # type: ignore[attr-defined]
            ]
        )
        count += 1
    record_change(
        tenant=tenant,
        event_source=VERIFICATION_SOURCE,
        event_name="ExportConsentRegister",
        actor=actor,
        request_parameters={"start": _moment(start), "end": _moment(end)},
        response_elements={"consents": count},
    )
    return count
