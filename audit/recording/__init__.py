"""Writes to the audit log: recording events and sealing the hash chain.

An event is inserted in the caller's transaction (a rolled-back change leaves no event), except
what must outlive a rollback — a downstream AWS call that happened, a request's failure — which
is committed at once on the ``audit`` connection (``commit_now``). Every event is *sealed* —
given its place in the tenant's chain — by ``chain_seal`` right after its transaction commits
(or once at the end of a ``seals_deferred`` block: a request, a worker's run).

- ``events``: ``record_event``, building the CloudTrail record and inserting the row;
- ``chain``: ``chain_seal``, sealing after commit, and the scopes a chain's rows are written in;
- ``kinds``: the events the rest of Verity records (API requests, changes, AWS calls, system events);
- ``console``: the admin console's sign-ins, sign-outs and changes, and the signals that record them.
"""

from audit.recording.chain import AUDIT_DATABASE, chain_seal, seals_deferred
from audit.recording.console import (
    audited_by_services,
    connect_admin_signals,
    record_admin_change,
    record_bulk_admin_deletions,
    record_console_sign_in,
    record_console_sign_out,
)
from audit.recording.events import RecordedEvent, record_event
from audit.recording.kinds import (
    GatewayCall,
    record_api_request,
    record_aws_call,
    record_change,
    record_gateway_call,
    record_gateway_calls,
    record_system_event,
)

__all__ = [
    "AUDIT_DATABASE",
    "GatewayCall",
    "RecordedEvent",
    "audited_by_services",
    "chain_seal",
    "connect_admin_signals",
    "record_admin_change",
    "record_api_request",
    "record_aws_call",
    "record_bulk_admin_deletions",
    "record_change",
    "record_console_sign_in",
    "record_console_sign_out",
    "record_event",
    "record_gateway_call",
    "record_gateway_calls",
    "record_system_event",
    "seals_deferred",
]
