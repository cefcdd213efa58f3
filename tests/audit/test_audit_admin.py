"""The audit admin: read-only, for compliance officers and tenant admins, their own tenant only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from audit.identity import system_identity
from audit.models import AuditEvent, AuditExport, AuditSettings
from audit.services import record_event
from tenants.models import Membership, Role, Tenant
from tenants.scope import tenant_scope
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/audit/auditevent/"


def login(role: str = Role.COMPLIANCE_OFFICER) -> tuple[Client, Membership]:
    membership = MembershipFactory(role=role)
    client = Client()
    client.force_login(membership.user)
    return client, membership


def add_event(
    tenant: Tenant,
    name: str,
    *,
    error_code: str | None = None,
    request_id: str = "req",
    ago: timedelta = timedelta(minutes=5),
) -> AuditEvent:
    with tenant_scope(tenant):
        recorded = record_event(
            tenant=tenant,
            event_source="verification.verity.local",
            event_name=name,
            identity=system_identity(tenant),
            error_code=error_code,
            request_id=request_id,
            event_time=datetime.now(UTC) - ago,
        )
        return AuditEvent.objects.get(pk=recorded.id)


@pytest.mark.parametrize("role", [Role.COMPLIANCE_OFFICER, Role.TENANT_ADMIN])
def test_compliance_officers_and_tenant_admins_browse_only_their_tenants_events(role: str) -> None:
    client, membership = login(role)
    mine = add_event(membership.tenant, "CreateSubject")
    other = MembershipFactory()
    theirs = add_event(other.tenant, "SecretOperation")
    page = client.get(CHANGELIST).content.decode()
    assert "CreateSubject" in page
    assert "SecretOperation" not in page
    assert client.get(f"{CHANGELIST}{mine.pk}/change/").status_code == 200
    assert client.get(f"{CHANGELIST}{theirs.pk}/change/", follow=True).content.decode().count("SecretOperation") == 0


def test_reviewers_do_not_see_the_audit_log() -> None:
    client, _ = login(Role.REVIEWER)
    assert client.get(CHANGELIST).status_code == 403


def _operator_client() -> Client:
    operator = get_user_model().objects.create_superuser("ops", "ops@example.com", "a-long-operator-password")
    client = Client()
    client.force_login(operator)
    return client


@pytest.mark.parametrize("who", [Role.COMPLIANCE_OFFICER, Role.TENANT_ADMIN, "operator"])
def test_nobody_can_add_change_or_delete_events_in_the_admin(who: str) -> None:
    membership = MembershipFactory(role=Role.COMPLIANCE_OFFICER if who == "operator" else who)
    if who == "operator":
        client = _operator_client()
    else:
        client = Client()
        client.force_login(membership.user)
    event = add_event(membership.tenant, "CreateSubject")
    change = f"{CHANGELIST}{event.pk}/change/"
    assert client.get(f"{CHANGELIST}add/").status_code == 403
    assert client.post(f"{CHANGELIST}add/", {"event_name": "Forged"}).status_code == 403
    assert client.post(f"{CHANGELIST}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(change, {"event_name": "Rewritten", "_save": "Save"}).status_code == 403
    detail = client.get(change).content.decode()
    assert 'name="_save"' not in detail
    assert "eventVersion" in detail  # the record itself is shown
    with tenant_scope(membership.tenant):
        names = AuditEvent.objects.filter(event_source="verification.verity.local").values_list("event_name", flat=True)
        assert list(names) == ["CreateSubject"]


def test_filters_by_outcome_name_source_time_and_search() -> None:
    client, membership = login()
    add_event(membership.tenant, "CreateSubject", request_id="req-ok")
    add_event(membership.tenant, "GetSubject", error_code="not_found", request_id="req-failed")

    def names(query: str) -> set[str]:
        page = client.get(f"{CHANGELIST}?{query}").content.decode()
        return {name for name in ("CreateSubject", "GetSubject") if f'<td class="field-event_name">{name}</td>' in page}

    assert names("outcome=error") == {"GetSubject"}
    assert names("outcome=success") == {"CreateSubject"}
    assert names("event_name=CreateSubject") == {"CreateSubject"}
    assert names("event_source=verification.verity.local") == {"CreateSubject", "GetSubject"}
    assert names("period=1h") == {"CreateSubject", "GetSubject"}
    assert names("q=req-failed") == {"GetSubject"}
    assert names("event_time__gte=2000-01-01&event_time__lt=2000-01-02") == set()


def test_exporting_the_selection_creates_an_export_of_exactly_those_events() -> None:
    client, membership = login()
    events = [add_event(membership.tenant, "CreateSubject", ago=timedelta(hours=2)) for _ in range(2)]
    response = client.post(
        CHANGELIST,
        {"action": "export_events", "_selected_action": [event.pk for event in events]},
        follow=True,
    )
    assert "started" in response.content.decode()
    with tenant_scope(membership.tenant):
        export = AuditExport.objects.get()
    assert sorted(export.filters["event_ids"]) == sorted(str(event.event_id) for event in events)
    assert export.requested_by["userName"] == membership.user.username
    assert client.get(f"/admin/audit/auditexport/{export.pk}/change/").status_code == 200


def test_exporting_events_of_an_hour_not_yet_complete_is_refused_with_a_message() -> None:
    client, membership = login()
    event = add_event(membership.tenant, "CreateSubject", ago=timedelta(0))
    response = client.post(CHANGELIST, {"action": "export_events", "_selected_action": [event.pk]}, follow=True)
    assert "Only complete hours are exported" in response.content.decode()
    with tenant_scope(membership.tenant):
        assert not AuditExport.objects.exists()


def test_tenant_admins_set_retention_but_not_below_a_year() -> None:
    client, membership = login(Role.TENANT_ADMIN)
    refused = client.post("/admin/audit/auditsettings/add/", {"retention_days": "30"})
    assert refused.status_code == 200  # the form again, with the error
    assert "366" in refused.content.decode()
    client.post("/admin/audit/auditsettings/add/", {"retention_days": "400"})
    with tenant_scope(membership.tenant):
        assert AuditSettings.objects.get().retention_days == 400


def test_an_operator_sees_every_tenants_events() -> None:
    first, second = MembershipFactory(), MembershipFactory()
    add_event(first.tenant, "FirstTenantThing")
    add_event(second.tenant, "SecondTenantThing")
    client = _operator_client()
    page = client.get(CHANGELIST).content.decode()
    assert "FirstTenantThing" in page
    assert "SecondTenantThing" in page
