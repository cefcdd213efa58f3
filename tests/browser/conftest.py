"""A real browser against the live server: headless Chromium driven by the system chromedriver.

One browser serves the whole session (each test starts with no cookies). The live server needs
committed data, so these tests run in no transaction (``transactional_db``; tests/conftest.py
flushes the database after each as the owner).
Without Chromium the tests are skipped, except in CI (``CI`` set), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_ARGUMENTS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1000",
)
_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # One xdist worker runs them all, so the session's single browser is started once.
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report: pytest.TestReport = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report  # type: ignore[return-value]


@pytest.fixture(scope="session")
def chromium(django_db_setup: None, live_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    # Set up after the test database and the live server, so torn down before them: the server's
    # request threads close their database connections before the database is dropped.
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    if missing:
        reason = f"{' and '.join(missing)} not installed (apt-get install chromium chromium-driver)"
        if os.environ.get("CI"):
            pytest.fail(f"Browser tests must run in CI: {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in CHROMIUM_ARGUMENTS:
        options.add_argument(argument)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})  # response headers, for no-store
    # An explicit driver path: Selenium Manager (which may download drivers) never runs.
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    # Those threads end (closing their connections) once the browser's keep-alive connections do.
    for thread in threading.enumerate():
        if "process_request_thread" in thread.name:
            thread.join(timeout=5)


@pytest.fixture
def browser(
    chromium: Any, live_server: Any, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """The session's browser with no cookies and an empty performance log; a screenshot if the test fails."""
    chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})
    chromium.get("about:blank")
    chromium.get_log("performance")
    yield chromium
    call = request.node.stash.get(_REPORTS, {}).get("call")
    if call is not None and call.failed:
        path = Path(tmp_path_factory.mktemp("screenshots")) / f"{request.node.name}.png"
        chromium.save_screenshot(str(path))
        request.node.add_report_section("teardown", "screenshot", f"{chromium.current_url}\n{path}")
