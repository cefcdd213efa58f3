"""Each app declares the redaction rules of its own API actions next to its views, for routes that exist."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from audit.identity import HIDDEN
from audit.models import AuditEvent
from audit.redaction import HIDE, KEEP, api_actions, register_event
from tenants.scope import tenant_scope
from tests.conftest import Caller

ROOT = Path(__file__).parents[2]


def _views(patterns: list[Any]) -> Iterator[Any]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            yield getattr(pattern.callback, "view_class", None)


def routed_policy_actions() -> set[str]:
    """Every policy action a view reachable through the server's URL resolver serves."""
    return {
        action
        for view in _views(get_resolver().url_patterns)
        for action in (getattr(view, "policy_actions", None) or {}).values()
    }


def test_the_routed_actions_are_enumerated_from_the_resolver() -> None:
    assert {"tenants:GetTenant", "verification:CreateSubject", "audit:ExportEvents"} <= routed_policy_actions()


def test_api_redaction_rules_exist_exactly_for_the_routed_policy_actions() -> None:
    # No rules for an endpoint that does not exist, and none missing for one that does.
    assert api_actions() == routed_policy_actions()


@pytest.mark.django_db
def test_an_apps_own_rules_apply_to_its_api_events(caller: Caller) -> None:
    response = caller.client.post(
        "/v1/subjects", {"external_id": "ext-7", "metadata": {"ssn": "078-05-1120"}}, format="json"
    )
    assert response.status_code == 201

    with tenant_scope(caller.tenant):
        record = AuditEvent.objects.get(event_name="CreateSubject").record
    assert record["requestParameters"] == {"external_id": "ext-7", "metadata": HIDDEN}
    assert record["responseElements"] == {"id": response.json()["id"], "external_id": "ext-7"}


def test_a_process_that_never_loads_the_urls_knows_the_api_rules() -> None:
    # A Celery worker records API-declared events (ExportEvents when an export finishes) without
    # ever importing the URLconf: the apps' ready() must have declared the rules.
    script = (
        "import sys, django; django.setup()\n"
        "from audit.redaction import api_actions\n"
        "assert 'config.urls' not in sys.modules\n"
        "print(' '.join(sorted(api_actions())))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == routed_policy_actions()


def test_other_rules_for_a_name_already_declared_are_refused() -> None:
    """A service event and an API action of one name must not silently share one set of rules."""
    register_event("test.verity.local", "TwiceDeclared", request={"id": KEEP})
    register_event("test.verity.local", "TwiceDeclared", request={"id": KEEP})  # the same again: fine

    with pytest.raises(ValueError, match="already has other redaction rules"):
        register_event("test.verity.local", "TwiceDeclared", request={"image": HIDE})
