"""A reviewer works the moderation review queue in a real browser: claim the oldest task, decide it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from moderation.models import ReviewTask
from tenants.models import Role
from tenants.scope import tenant_scope
from tests.browser.test_admin_in_browser import _fill, _sign_in_with_password, _submit
from tests.factories import MembershipFactory, ReviewTaskFactory


def _queue(browser: Any) -> list[str]:
    return [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "#result_list tbody th")]


def test_a_reviewer_claims_the_oldest_task_decides_it_and_the_queue_shrinks(browser: Any, live_server: Any) -> None:
    reviewer = MembershipFactory(role=Role.REVIEWER)
    now = timezone.now()
    tasks = [ReviewTaskFactory(tenant=reviewer.tenant, created_at=now - timedelta(hours=hours)) for hours in (1, 30, 5)]
    oldest = tasks[1]
    foreign = ReviewTaskFactory(created_at=now - timedelta(days=9))  # another tenant's, older still

    _sign_in_with_password(browser, live_server.url, reviewer.user.username)
    browser.get(f"{live_server.url}/admin/moderation/reviewtask/")
    assert _queue(browser) == [oldest.public_id, tasks[2].public_id, tasks[0].public_id]
    assert foreign.public_id not in browser.page_source
    oldest_row = browser.find_element(By.CSS_SELECTOR, "#result_list tbody tr").text.replace("\xa0", " ")
    assert "1 day, 6 hours ⚠" in oldest_row  # its age, past the 24-hour SLA

    browser.find_elements(By.CSS_SELECTOR, "#result_list tbody input.action-select")[0].click()
    Select(browser.find_element(By.NAME, "action")).select_by_value("claim")
    _submit(browser, browser.find_element(By.NAME, "index"))
    assert "Claimed 1 task(s)." in browser.page_source

    _submit(browser, browser.find_element(By.LINK_TEXT, oldest.public_id))
    assert "Violence" in browser.page_source
    Select(browser.find_element(By.ID, "id_decision")).select_by_value("reject")
    _fill(browser, {"id_note": "a weapon pointed at the camera"})
    _submit(browser, browser.find_element(By.NAME, "_save"))

    assert _queue(browser) == [tasks[2].public_id, tasks[0].public_id]
    with tenant_scope(reviewer.tenant):
        decided = ReviewTask.objects.select_related("result").get(pk=oldest.pk)
    assert (decided.decision, decided.decided_by_id, decided.result.final_decision) == (
        "reject",
        reviewer.user.pk,
        "reject",
    )
