"""A tenant admin opens a verification in the admin of a real browser: its outcome, reasons and steps."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tenants.models import Role, Tenant
from tenants.scope import tenant_scope
from tests.browser.test_admin_in_browser import _code, _fill, _sign_in_with_password, _submit
from tests.factories import FaceFactory, MembershipFactory, SubjectFactory, TenantFactory
from verification.erasure import erasure_request
from verification.models import Subject, Verification, VerificationSettings, VerificationStep
from verification.services import consent_create


def _rejected_registration(tenant: Tenant) -> Verification:
    subject = SubjectFactory(tenant=tenant)
    now = timezone.now()
    with tenant_scope(tenant):
        verification = Verification.objects.create(
            tenant=tenant,
            type="registration",
            status="rejected",
            subject=subject,
            reasons=[
                {
                    "code": "compare.mismatch",
                    "step": "compare",
                    "detail": "The selfie and the ID document match at 12.5, below 95.",
                }
            ],
            started_at=now,
            finished_at=now,
        )
        for position, (name, status, result) in enumerate(
            [
                ("consent", "passed", {}),
                ("quality", "passed", {"sharpness": 91.2, "checks": {"eyes_open": "not_evaluated"}}),
                ("compare", "failed", {"similarity": 12.5, "threshold": 95.0}),
            ]
        ):
            VerificationStep.objects.create(
                tenant=tenant,
                verification=verification,
                position=position,
                name=name,
                status=status,
                attempts=1,
                reason_code="compare.mismatch" if status == "failed" else "",
                result=result,
                finished_at=now,
            )
    return verification


def test_a_tenant_admin_reads_a_rejected_registration_and_sets_duplicates_to_be_rejected(
    browser: Any, live_server: Any
) -> None:
    admin = MembershipFactory(role=Role.TENANT_ADMIN, tenant=TenantFactory(name="Alpha Bank"))
    device = TOTPDevice.objects.create(user=admin.user, name="phone", confirmed=True)
    mine = _rejected_registration(admin.tenant)
    theirs = _rejected_registration(TenantFactory(name="Beta Bank"))

    _sign_in_with_password(browser, live_server.url, admin.user.username)
    if "/admin/2fa/verify/" in browser.current_url:
        _fill(browser, {"id_code": _code(device.bin_key)})
        _submit(browser, browser.find_element(By.CSS_SELECTOR, "input[type=submit][value=Verify]"))

    browser.get(f"{live_server.url}/admin/verification/verification/")
    listed = [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "#result_list tbody th")]
    assert listed == [mine.public_id]
    assert theirs.public_id not in browser.page_source

    browser.find_element(By.LINK_TEXT, mine.public_id).click()
    page = browser.find_element(By.ID, "content").text
    assert "Rejected" in page
    assert "compare.mismatch (compare): The selfie and the ID document match at 12.5, below 95." in page

    def column(name: str) -> list[str]:
        return [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, f".inline-related td.field-{name}")]

    assert column("name") == ["consent", "quality", "compare"]
    assert column("status") == ["Passed", "Passed", "Failed"]
    assert column("reason_code") == ["-", "-", "compare.mismatch"]
    results = column("result")
    assert "not_evaluated" in results[1]
    assert '"similarity": 12.5' in results[2]
    assert not browser.find_elements(By.NAME, "_save")  # read-only: nothing to change or delete

    # The subject's page lists its consents and faces.
    face = FaceFactory(tenant=admin.tenant, subject=mine.subject)
    with tenant_scope(admin.tenant):
        consent = consent_create(tenant=admin.tenant, subject=mine.subject, text_version="v7", method="signature")
    browser.get(f"{live_server.url}/admin/verification/subject/{mine.subject.pk}/change/")
    page = browser.find_element(By.ID, "content").text
    assert f"{consent.public_id} · biometric_verification · text v7 · signature" in page
    assert f"{face.face_id} · active" in page

    browser.get(f"{live_server.url}/admin/verification/verificationsettings/add/")
    Select(browser.find_element(By.ID, "id_duplicate_action")).select_by_value("rejected")
    _submit(browser, browser.find_element(By.NAME, "_save"))
    with tenant_scope(admin.tenant):
        assert VerificationSettings.objects.get().duplicate_action == "rejected"


def test_a_tenant_admin_shortens_retention_and_sees_what_the_next_purge_erases(browser: Any, live_server: Any) -> None:
    admin = MembershipFactory(role=Role.TENANT_ADMIN, tenant=TenantFactory(name="Alpha Bank"))
    device = TOTPDevice.objects.create(user=admin.user, name="phone", confirmed=True)
    idle, recent = SubjectFactory(tenant=admin.tenant), SubjectFactory(tenant=admin.tenant)
    with tenant_scope(admin.tenant):
        Subject.objects.filter(pk=idle.pk).update(created_at=timezone.now() - timedelta(days=40))

    _sign_in_with_password(browser, live_server.url, admin.user.username)
    if "/admin/2fa/verify/" in browser.current_url:
        _fill(browser, {"id_code": _code(device.bin_key)})
        _submit(browser, browser.find_element(By.CSS_SELECTOR, "input[type=submit][value=Verify]"))

    browser.get(f"{live_server.url}/admin/verification/verificationsettings/add/")
    field = browser.find_element(By.ID, "id_biometric_retention_days")
    assert field.get_attribute("value") == "1095"  # three years, the most BIPA allows
    field.clear()
    field.send_keys("30")
    _submit(browser, browser.find_element(By.NAME, "_continue"))

    preview = browser.find_element(By.CSS_SELECTOR, ".field-next_retention_purge .readonly").text
    assert preview.startswith("1 subject(s) idle since before ")
    assert preview.endswith(" would be erased.")

    # The purge's first step (tests/verification/test_retention.py runs it whole): the erasure requested.
    with tenant_scope(admin.tenant):
        erasure_request(tenant=admin.tenant, subject=idle, reason="retention", requested_by="retention-purge")

    browser.refresh()
    assert browser.find_element(By.CSS_SELECTOR, ".field-next_retention_purge .readonly").text.startswith("Nothing")
    browser.get(f"{live_server.url}/admin/verification/erasure/")
    rows = [row.text for row in browser.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")]
    assert len(rows) == 1
    for shown in (idle.public_id, "Retention limit reached", "Pending"):
        assert shown in rows[0]
    assert recent.public_id not in browser.page_source


def test_a_compliance_officer_finds_the_consent_register_export_on_the_consents_page(
    browser: Any, live_server: Any
) -> None:
    officer = MembershipFactory(role=Role.COMPLIANCE_OFFICER, tenant=TenantFactory(name="Alpha Bank"))
    device = TOTPDevice.objects.create(user=officer.user, name="phone", confirmed=True)
    subject = SubjectFactory(tenant=officer.tenant)
    with tenant_scope(officer.tenant):
        consent = consent_create(tenant=officer.tenant, subject=subject, text_version="v9", method="checkbox")

    _sign_in_with_password(browser, live_server.url, officer.user.username)
    if "/admin/2fa/verify/" in browser.current_url:
        _fill(browser, {"id_code": _code(device.bin_key)})
        _submit(browser, browser.find_element(By.CSS_SELECTOR, "input[type=submit][value=Verify]"))

    browser.get(f"{live_server.url}/admin/verification/consent/")
    assert consent.public_id in browser.find_element(By.ID, "result_list").text
    browser.find_element(By.ID, "consent-register-link").click()

    assert browser.current_url.endswith("/admin/verification/consent/register/")
    assert "Export the consent register" in browser.find_element(By.ID, "content").text
    fields = browser.find_elements(By.CSS_SELECTOR, "#consent-register-form input[type=date]")
    assert [field.get_attribute("name") for field in fields] == ["start", "end"]
