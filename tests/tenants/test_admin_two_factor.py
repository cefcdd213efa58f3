"""The admin's second factor: enrolment, the verify step, recovery codes, and their audit events."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from tenants.models import Role
from tenants.scope import platform_scope, tenant_scope
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory
OPERATOR_PASSWORD = "a-long-operator-password"
ADMIN_PAGE = "/admin/tenants/threshold/"


@pytest.fixture
def required(settings: Any) -> None:
    settings.VERITY_ADMIN_REQUIRE_2FA = True


def _staff(role: str) -> tuple[Any, str, Any]:
    """(user, password, tenant or None) for a tenant role or, for "operator", a superuser."""
    if role == "operator":
        user = get_user_model().objects.create_superuser("ops", "ops@example.com", OPERATOR_PASSWORD)
        return user, OPERATOR_PASSWORD, None
    membership = MembershipFactory(role=role)
    return membership.user, PASSWORD, membership.tenant


def _sign_in(user: Any, password: str) -> tuple[Client, Any]:
    client = Client()
    response = client.post("/admin/login/", {"username": user.username, "password": password, "next": ADMIN_PAGE})
    return client, client.get(response["Location"], follow=True)


def _enrolled(user: Any) -> list[str]:
    """Give ``user`` a confirmed authenticator and recovery codes directly; returns the codes."""
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    device = StaticDevice.objects.create(user=user, name="recovery codes")
    codes = [StaticToken.random_token() for _ in range(3)]
    for code in codes:
        device.token_set.create(token=code)
    return codes


def _code(user: Any) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


def _forget_throttling(user: Any) -> None:
    """django-otp delays the next try after a wrong code; tests need not wait for it."""
    for model in (TOTPDevice, StaticDevice):
        model.objects.filter(user=user).update(throttling_failure_count=0, throttling_failure_timestamp=None)


def _events(tenant: Any, name: str) -> list[AuditEvent]:
    with tenant_scope(tenant) if tenant is not None else platform_scope():
        return list(AuditEvent.objects.filter(event_name=name, tenant_id=getattr(tenant, "pk", None)).order_by("id"))


@pytest.mark.usefixtures("required")
@pytest.mark.parametrize("role", [*Role.values, "operator"])
def test_with_2fa_required_a_password_alone_does_not_open_the_admin(role: str) -> None:
    user, password, _ = _staff(role)
    client, landing = _sign_in(user, password)
    assert landing.redirect_chain[-1][0].startswith("/admin/2fa/setup/")
    assert client.get(ADMIN_PAGE).status_code == 302
    assert client.get("/admin/").status_code == 302


@pytest.mark.usefixtures("required")
@pytest.mark.parametrize("role", [Role.REVIEWER, "operator"])
def test_enrolment_shows_a_secret_confirms_a_code_and_hands_out_recovery_codes(role: str) -> None:
    user, password, tenant = _staff(role)
    client, setup = _sign_in(user, password)
    page = setup.content.decode()
    assert "no-store" in setup["Cache-Control"]
    uri = re.search(r'href="(otpauth://totp/[^"]+)"', page)
    assert uri is not None
    assert "issuer=Verity" in uri.group(1)
    assert re.search(r'id="totp-secret"[^>]*>([A-Z2-7]+)<', page) is not None

    wrong = client.post("/admin/2fa/setup/", {"code": "000000"})
    assert "not accepted" in wrong.content.decode()
    _forget_throttling(user)
    done = client.post("/admin/2fa/setup/", {"code": _code_of_pending(user), "next": ADMIN_PAGE})
    assert "no-store" in done["Cache-Control"]
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())
    assert len(codes) == 10
    assert client.get(ADMIN_PAGE).status_code == 200

    enabled = _events(tenant, "EnableMFADevice")
    assert [event.record["requestParameters"]["userName"] for event in enabled] == [user.username]
    checks = _events(tenant, "CheckMfa")
    assert [event.record["responseElements"] for event in checks] == [{"CheckMfa": "Failure"}]
    assert checks[0].record["additionalEventData"] == {"MfaType": "TOTP", "Stage": "enrolment"}


def _code_of_pending(user: Any) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.mark.usefixtures("required")
def test_an_enrolled_user_passes_with_a_code_and_a_wrong_code_is_refused_and_audited() -> None:
    user, password, tenant = _staff(Role.TENANT_ADMIN)
    _enrolled(user)
    client, verify = _sign_in(user, password)
    assert verify.redirect_chain[-1][0].startswith("/admin/2fa/verify/")
    refused = client.post("/admin/2fa/verify/", {"code": "123456", "next": ADMIN_PAGE})
    assert refused.status_code == 200
    assert client.get(ADMIN_PAGE).status_code == 302
    failure = _events(tenant, "CheckMfa")[-1].record
    assert failure["responseElements"] == {"CheckMfa": "Failure"}
    assert failure["errorCode"] == "InvalidMfaCode"
    assert failure["userIdentity"]["userName"] == user.username
    right_too_soon = client.post("/admin/2fa/verify/", {"code": _code(user)})
    assert right_too_soon.status_code == 200  # throttled: a guessing run slows down

    _forget_throttling(user)
    passed = client.post("/admin/2fa/verify/", {"code": _code(user), "next": ADMIN_PAGE})
    assert passed.status_code == 302
    assert passed["Location"] == ADMIN_PAGE
    assert client.get(ADMIN_PAGE).status_code == 200
    assert _events(tenant, "CheckMfa")[-1].record["responseElements"] == {"CheckMfa": "Success"}


@pytest.mark.usefixtures("required")
def test_a_recovery_code_works_once() -> None:
    user, password, _ = _staff(Role.COMPLIANCE_OFFICER)
    code = _enrolled(user)[0]
    first, _ = _sign_in(user, password)
    assert first.post("/admin/2fa/verify/", {"code": code.upper()}).status_code == 302
    assert first.get("/admin/").status_code == 200
    second, _ = _sign_in(user, password)
    _forget_throttling(user)
    assert second.post("/admin/2fa/verify/", {"code": code}).status_code == 200
    assert second.get("/admin/").status_code == 302


@pytest.mark.usefixtures("required")
def test_a_password_alone_cannot_replace_an_enrolled_authenticator() -> None:
    user, password, _ = _staff(Role.TENANT_ADMIN)
    _enrolled(user)
    client, _ = _sign_in(user, password)
    response = client.get("/admin/2fa/setup/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/2fa/verify/")
    assert not TOTPDevice.objects.filter(user=user, confirmed=False).exists()


@pytest.mark.usefixtures("required")
def test_the_second_factor_gives_the_session_a_new_id() -> None:
    user, password, _ = _staff(Role.REVIEWER)
    _enrolled(user)
    client, _ = _sign_in(user, password)
    before = client.session.session_key
    client.post("/admin/2fa/verify/", {"code": _code(user)})
    assert client.session.session_key != before


def test_2fa_is_optional_in_development_until_a_user_enrols() -> None:
    assert django_settings.VERITY_ADMIN_REQUIRE_2FA is False
    user, password, _ = _staff(Role.REVIEWER)
    _, landing = _sign_in(user, password)
    assert landing.status_code == 200
    assert landing.redirect_chain == []  # straight in
    _enrolled(user)
    _, verify = _sign_in(user, password)
    assert verify.redirect_chain[-1][0].startswith("/admin/2fa/verify/")


def test_production_settings_require_2fa_by_default() -> None:
    env = {
        **os.environ,
        "VERITY_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "verity.example",
        "DJANGO_DEBUG": "false",
    }
    env.pop("VERITY_ADMIN_REQUIRE_2FA", None)
    script = "import config.settings as s; print(s.VERITY_ADMIN_REQUIRE_2FA)"
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    assert result.stdout.strip() == "True"


def test_operators_reset_a_lost_authenticator_without_seeing_its_secret() -> None:
    user, _, _ = _staff(Role.TENANT_ADMIN)
    codes = _enrolled(user)
    device = TOTPDevice.objects.get(user=user)
    operator, _, _ = _staff("operator")
    client = Client()
    client.force_login(operator)
    page = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").content.decode()
    assert device.key not in page
    recovery = StaticDevice.objects.get(user=user)
    assert codes[0] not in client.get(f"/admin/otp_static/staticdevice/{recovery.pk}/change/").content.decode()
    client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_tenant_staff_cannot_reach_anyones_devices() -> None:
    user, _, _ = _staff(Role.TENANT_ADMIN)
    client = Client()
    client.force_login(user)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 403
    assert client.get("/admin/otp_static/staticdevice/").status_code == 403


@pytest.mark.usefixtures("required")
def test_after_the_second_factor_the_admin_never_redirects_off_site() -> None:
    user, password, _ = _staff(Role.REVIEWER)
    _enrolled(user)
    client, _ = _sign_in(user, password)
    response = client.post("/admin/2fa/verify/", {"code": _code(user), "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
