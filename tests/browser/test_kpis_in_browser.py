"""A tenant admin opens the verification KPIs in a real browser: the charts show what the API answers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from selenium.webdriver.common.by import By

from tenants.models import Role
from tests.browser.test_admin_in_browser import _sign_in_with_password, _submit
from tests.conftest import make_caller
from tests.factories import MembershipFactory, TenantFactory
from tests.verification.test_kpis import EXPECTED_VERIFICATIONS, known_verifications


def _charts(browser: Any) -> dict[str, dict[str, int]]:
    """Every chart on the page: its id (without ``chart-``) → {bar label: value}."""
    return {
        chart.get_attribute("id").removeprefix("chart-"): {
            bar.get_attribute("data-label"): int(bar.get_attribute("data-value"))
            for bar in chart.find_elements(By.CSS_SELECTOR, "g.bar")
        }
        for chart in browser.find_elements(By.CSS_SELECTOR, "svg.bar-chart")
    }


def _as_charted(api: dict[str, Any]) -> dict[str, dict[str, int]]:
    """The API's document, as the page should chart it."""
    charts = {
        kind: {outcome: count for outcome, count in outcomes.items() if outcome != "total"}
        for kind, outcomes in api["verifications"].items()
    }
    charts["steps"] = {f"{row['type']} · {row['step'] or '—'}": row["count"] for row in api["steps"]}
    charts["reasons"] = {f"{row['type']} · {row['code']} · {row['status']}": row["count"] for row in api["reasons"]}
    charts["duplicates"] = api["duplicates"]
    charts["quality"] = {row["code"]: row["count"] for row in api["quality_failures"]}
    for row in api["similarity"]:
        charts[f"similarity-{row['type']}-{row['step']}"] = {
            f"{bucket['from']}–{bucket['to']}": bucket["count"] for bucket in row["buckets"]
        }
    charts["faces"] = api["faces"]
    return {chart: bars for chart, bars in charts.items() if bars}


def _api_for_the_pages_period(browser: Any, caller: Any) -> dict[str, Any]:
    period = browser.find_element(By.ID, "kpi-period")
    query = {"from": period.get_attribute("data-from"), "to": period.get_attribute("data-to")}
    response = caller.client.get("/v1/kpis", query)
    assert response.status_code == 200, response.content
    api: dict[str, Any] = response.json()
    return api


def test_the_kpi_page_charts_the_numbers_the_api_answers(browser: Any, live_server: Any) -> None:
    admin = MembershipFactory(role=Role.TENANT_ADMIN)
    known_verifications(admin.tenant)
    known_verifications(TenantFactory())  # another tenant's, never shown
    caller = make_caller(admin.tenant)

    _sign_in_with_password(browser, live_server.url, admin.user.username)
    browser.get(f"{live_server.url}/admin/verification/verification/")
    _submit(browser, browser.find_element(By.ID, "verification-kpis-link"))

    api = _api_for_the_pages_period(browser, caller)
    charts = _charts(browser)
    assert charts == _as_charted(api)
    assert charts["registration"] == {k: v for k, v in EXPECTED_VERIFICATIONS["registration"].items() if k != "total"}
    assert charts["duplicates"] == {"attempts": 2, "needs_review": 1, "rejected": 1}
    assert charts["quality"] == {"quality.no_face": 1, "quality.pose": 1, "quality.sharpness": 1}
    assert charts["similarity-registration-compare"]["95–98"] == 2
    assert charts["faces"] == {"indexed": 3, "updated": 1, "deleted": 2}
    assert browser.find_element(By.ID, "abandoned-after-hours").text == str(api["abandoned_after_hours"]) == "24"

    # The period picker: 45 to 35 days ago holds only the old registrations and a face indexed then.
    today = timezone.now().date()
    for field, day in (("id_start", today - timedelta(days=45)), ("id_end", today - timedelta(days=35))):
        browser.execute_script("arguments[0].value = arguments[1]", browser.find_element(By.ID, field), str(day))
    _submit(browser, browser.find_element(By.CSS_SELECTOR, "#kpi-period-form input[type=submit]"))

    api = _api_for_the_pages_period(browser, caller)
    charts = _charts(browser)
    assert charts == _as_charted(api)
    assert (charts["registration"]["rejected"], charts["registration"]["abandoned"]) == (1, 1)
    assert charts["authentication"] == dict.fromkeys(charts["authentication"], 0)
    assert charts["faces"] == {"indexed": 1, "updated": 0, "deleted": 0}
