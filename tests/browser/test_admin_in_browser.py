"""The admin in a real browser: signing in with a second factor, issuing a key shown once, roles."""

from __future__ import annotations

import json
import re
from base64 import b32decode
from collections.abc import Callable
from typing import Any

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from tenants.models import Role
from tests.factories import MembershipFactory, TenantFactory, issue_key

PASSWORD = "correct horse battery staple"
TOKEN = re.compile(r"^vk_live_[A-Za-z0-9]{52}$")
ALLOW_ALL = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*"}]})


@pytest.fixture(autouse=True)
def _second_factor_required(settings: Any) -> None:
    settings.VERITY_ADMIN_REQUIRE_2FA = True


def _code(secret: bytes) -> str:
    return f"{totp(secret, step=30, digits=6):06d}"


def _gone(element: WebElement) -> Callable[[Any], bool]:
    """Whether ``element`` left the document: stale, or (Chromium, mid-navigation) a node it no longer knows."""

    def check(_: Any) -> bool:
        try:
            return bool(expected_conditions.staleness_of(element)(_))
        except WebDriverException as exc:
            if "does not belong to the document" in str(exc):
                return True
            raise

    return check


def _submit(browser: Any, button: WebElement) -> None:
    """Click a submit button and wait for the next page to replace this one."""
    page = browser.find_element(By.TAG_NAME, "html")
    button.click()
    WebDriverWait(browser, 10).until(_gone(page))


def _fill(browser: Any, values: dict[str, str]) -> None:
    for element_id, value in values.items():
        field = browser.find_element(By.ID, element_id)
        field.clear()
        field.send_keys(value)


def _sign_in_with_password(browser: Any, base_url: str, username: str) -> None:
    browser.get(f"{base_url}/admin/")
    _fill(browser, {"id_username": username, "id_password": PASSWORD})
    _submit(browser, browser.find_element(By.CSS_SELECTOR, "input[type=submit]"))


def _response_headers(browser: Any, path: str) -> dict[str, str]:
    """The headers of the last document response for ``path``, from Chromium's performance log."""
    found: dict[str, str] | None = None
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] != "Network.responseReceived" or message["params"].get("type") != "Document":
            continue
        response = message["params"]["response"]
        if response["url"].split("?")[0].endswith(path):
            found = {name.lower(): value for name, value in response["headers"].items()}
    assert found is not None, f"no response for {path} in the performance log"
    return found


def _actions(browser: Any) -> set[str]:
    menus = browser.find_elements(By.NAME, "action")
    if not menus:
        return set()
    return {option.get_attribute("value") for option in menus[0].find_elements(By.TAG_NAME, "option")}


def test_a_tenant_admin_enrols_totp_and_sees_a_new_key_once_and_never_in_a_cookie(
    browser: Any, live_server: Any
) -> None:
    membership = MembershipFactory(tenant=TenantFactory(name="Alpha Bank"))
    other = TenantFactory(name="Beta Bank")

    _sign_in_with_password(browser, live_server.url, membership.user.username)
    # No authenticator yet, and one is required: straight on to setting one up.
    assert "/admin/2fa/setup/" in browser.current_url
    secret = b32decode(browser.find_element(By.ID, "totp-secret").text)
    _fill(browser, {"id_code": _code(secret)})
    _submit(browser, browser.find_element(By.CSS_SELECTOR, "input[type=submit]"))
    assert len(browser.find_elements(By.CSS_SELECTOR, "#recovery-codes li")) == 10
    _submit(browser, browser.find_element(By.LINK_TEXT, "Continue"))

    assert browser.current_url == f"{live_server.url}/admin/"
    assert "Site administration" in browser.page_source or "Administration" in browser.title
    browser.get(f"{live_server.url}/admin/tenants/tenant/")
    tenants = [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "#result_list tbody th")]
    assert tenants == [membership.tenant.slug]
    assert other.slug not in browser.page_source

    browser.get(f"{live_server.url}/admin/tenants/apikey/add/")
    _fill(browser, {"id_name": "from the browser", "id_policy": ALLOW_ALL})
    _submit(browser, browser.find_element(By.NAME, "_save"))
    token = browser.find_element(By.ID, "shown-once-secret").text
    assert TOKEN.match(token)
    assert "no-store" in _response_headers(browser, "/admin/tenants/apikey/add/")["cache-control"]
    secret_part = token[len("vk_live_") + 12 :]
    for cookie in browser.get_cookies():
        assert secret_part not in cookie["value"]

    _submit(browser, browser.find_element(By.LINK_TEXT, "Done"))
    assert token[: len("vk_live_") + 12] in browser.page_source  # the prefix is listed...
    assert secret_part not in browser.page_source  # ...the secret never again
    assert "revoke" in _actions(browser)
    browser.refresh()
    assert secret_part not in browser.page_source


def test_a_reviewer_passes_the_second_factor_and_gets_no_revoke_action(browser: Any, live_server: Any) -> None:
    reviewer = MembershipFactory(role=Role.REVIEWER)
    device = TOTPDevice.objects.create(user=reviewer.user, name="phone", confirmed=True)
    issued = issue_key(tenant=reviewer.tenant, name="in use")

    _sign_in_with_password(browser, live_server.url, reviewer.user.username)
    assert "/admin/2fa/verify/" in browser.current_url
    _fill(browser, {"id_code": _code(device.bin_key)})
    _submit(browser, browser.find_element(By.CSS_SELECTOR, "input[type=submit][value=Verify]"))
    assert browser.current_url == f"{live_server.url}/admin/"

    browser.get(f"{live_server.url}/admin/tenants/apikey/")
    assert issued.api_key.prefix in browser.page_source
    assert "revoke" not in _actions(browser)


def test_a_tenant_admin_adds_a_colleague_without_a_user_picker_and_sees_the_link_once(
    browser: Any, live_server: Any
) -> None:
    admin = MembershipFactory(role=Role.TENANT_ADMIN)
    device = TOTPDevice.objects.create(user=admin.user, name="phone", confirmed=True)
    outsider = MembershipFactory(role=Role.TENANT_ADMIN)  # another tenant's staff

    _sign_in_with_password(browser, live_server.url, admin.user.username)
    _fill(browser, {"id_code": _code(device.bin_key)})
    _submit(browser, browser.find_element(By.CSS_SELECTOR, "input[type=submit][value=Verify]"))

    browser.get(f"{live_server.url}/admin/tenants/membership/add/")
    assert not browser.find_elements(By.ID, "id_user")  # nobody outside the tenant can be picked
    assert outsider.user.username not in browser.page_source
    _fill(browser, {"id_username": "new-colleague", "id_email": "colleague@example.com"})
    Select(browser.find_element(By.ID, "id_role")).select_by_value(Role.REVIEWER)
    _submit(browser, browser.find_element(By.NAME, "_save"))
    link = browser.find_element(By.ID, "shown-once-secret").text
    assert "/admin/password/set/" in link
    for cookie in browser.get_cookies():
        assert link.rsplit("/", 2)[-2] not in cookie["value"]

    _submit(browser, browser.find_element(By.LINK_TEXT, "Done"))
    listed = [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "#result_list tbody th")]
    assert "new-colleague" in listed
    assert outsider.user.username not in browser.page_source
    assert link not in browser.page_source
