"""A tenant admin opens the moderation statistics in a real browser: the charts show what the API answers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from selenium.webdriver.common.by import By

from moderation.models import ReviewTask
from tenants.models import Role
from tenants.scope import tenant_scope
from tests.browser.test_admin_in_browser import _sign_in_with_password, _submit
from tests.conftest import make_caller
from tests.factories import MembershipFactory, ModerationResultFactory, ReviewTaskFactory


def _chart(browser: Any, chart: str) -> dict[str, int]:
    bars = browser.find_elements(By.CSS_SELECTOR, f"#chart-{chart} g.bar")
    return {bar.get_attribute("data-label"): int(bar.get_attribute("data-value")) for bar in bars}


def test_the_statistics_page_charts_the_numbers_the_api_answers(browser: Any, live_server: Any) -> None:
    admin = MembershipFactory(role=Role.TENANT_ADMIN)
    tenant = admin.tenant
    for _ in range(2):
        ModerationResultFactory(tenant=tenant, decision="approve", driving_category="", labels=[])
    ModerationResultFactory(tenant=tenant, decision="reject", driving_category="Drugs & Tobacco")
    ModerationResultFactory(tenant=tenant, status="failed", decision="", driving_category="")
    reviewed = ReviewTaskFactory(tenant=tenant)
    ReviewTaskFactory(tenant=tenant, created_at=timezone.now() - timedelta(hours=30))  # open, past the SLA
    with tenant_scope(tenant):
        ReviewTask.objects.filter(pk=reviewed.pk).update(status="decided", decision="reject", decided_at=timezone.now())
    ModerationResultFactory(decision="reject", driving_category="Violence")  # another tenant's
    api = make_caller(tenant).client.get("/v1/moderation/stats").json()

    _sign_in_with_password(browser, live_server.url, admin.user.username)
    browser.get(f"{live_server.url}/admin/moderation/moderationresult/")
    _submit(browser, browser.find_element(By.ID, "moderation-stats-link"))

    assert _chart(browser, "outcomes") == api["outcomes"] == {"approve": 2, "review": 2, "reject": 1, "failed": 1}
    assert _chart(browser, "decisions") == {
        f"{row['category'] or 'none'} · {row['decision']}": row["count"] for row in api["decisions"]
    }
    assert _chart(browser, "decisions")["Violence · review"] == 2
    assert _chart(browser, "reviews") == {"Violence · approved": 0, "Violence · rejected": 1}
    assert api["reviews"] == [{"category": "Violence", "approved": 0, "rejected": 1, "agreement": 1.0}]
    queue = {item.get_attribute("data-name"): item.text for item in browser.find_elements(By.CSS_SELECTOR, "#queue dd")}
    assert queue["open"] == str(api["queue"]["open"]) == "1"
    assert queue["overdue"] == str(api["queue"]["overdue"]) == "1"
