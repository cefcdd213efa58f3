"""The admin's second factor: TOTP authenticators and one-time recovery codes (django-otp devices).

Every staff user (tenant admins, reviewers, compliance officers, operators) may enrol; with
``VERITY_ADMIN_REQUIRE_2FA`` (on in production) the admin opens only to a session that has
passed a second factor. Enrolment and every check of a code are written to the audit log:
``EnableMFADevice`` and ``CheckMfa``, named as AWS names them for its own console.
"""

from __future__ import annotations

from base64 import b32encode
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp import user_has_device
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.identity import IAM_SOURCE, user_identity, verity_event_source
from audit.models import EventType
from audit.recording import record_event
from audit.redaction import KEEP, register_event
from config.api.network import client_ip
from tenants.models import Tenant
from tenants.scope import scope_database

RECOVERY_CODE_COUNT = 10
TOTP_DIGITS = 6  # django-otp's default, which every authenticator made here uses
SIGNIN_SOURCE = verity_event_source("signin")
register_event(SIGNIN_SOURCE, "CheckMfa", response={"CheckMfa": KEEP})
register_event(IAM_SOURCE, "EnableMFADevice", request={"userName": KEEP, "serialNumber": KEEP})


def is_verified(user: Any) -> bool:
    """Whether this session passed a second factor (set by django-otp's middleware or ``otp_login``)."""
    return getattr(user, "otp_device", None) is not None


def second_factor_satisfied(user: Any) -> bool:
    """Verified, or 2FA is optional here and the user has not enrolled (an enrolled user is always asked)."""
    if is_verified(user):
        return True
    return not settings.VERITY_ADMIN_REQUIRE_2FA and not user_has_device(user)


def _tenant_of(request: HttpRequest) -> Tenant | None:
    membership = getattr(request, "membership", None)
    return membership.tenant if membership is not None else None


def _record(request: HttpRequest, user: Any, **fields: Any) -> None:
    tenant = _tenant_of(request)
    record_event(
        tenant=tenant,
        identity=user_identity(user_pk=user.pk, username=user.get_username(), tenant=tenant),
        source_ip=client_ip(request),
        user_agent=request.headers.get("User-Agent"),
        request_id=getattr(request, "request_id", None),
        **fields,
    )


def _record_check(request: HttpRequest, user: Any, *, passed: bool, method: str, stage: str) -> None:
    _record(
        request,
        user,
        event_source=SIGNIN_SOURCE,
        event_name="CheckMfa",
        event_type=EventType.CONSOLE_SIGN_IN,
        response_elements={"CheckMfa": "Success" if passed else "Failure"},
        additional_event_data={"MfaType": method, "Stage": stage},
        error_code=None if passed else "InvalidMfaCode",
        error_message=None if passed else "The second-factor code was not accepted",
    )


@dataclass(frozen=True)
class PendingAuthenticator:
    device: TOTPDevice
    secret: str  # base32, for typing into an authenticator app
    uri: str  # otpauth://, for scanning or opening on the phone


def totp_enrolment_start(*, user: Any) -> PendingAuthenticator:
    """A new, unconfirmed authenticator for ``user``; it counts only once a code from it is confirmed."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return PendingAuthenticator(device=device, secret=b32encode(device.bin_key).decode(), uri=device.config_url)


def pending_authenticator(*, user: Any, device_id: int) -> PendingAuthenticator | None:
    device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
    if device is None:
        return None
    return PendingAuthenticator(device=device, secret=b32encode(device.bin_key).decode(), uri=device.config_url)


def totp_enrolment_confirm(*, request: HttpRequest, user: Any, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the authenticator with a code from it; replace any earlier one; return new recovery codes.

    Returns None (and records the failed check) when the code is wrong.
    """
    if not device.verify_token(token.strip()):
        _record_check(request, user, passed=False, method="TOTP", stage="enrolment")
        return None
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    with transaction.atomic(using=scope_database()):
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        StaticDevice.objects.filter(user=user).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        recovery = StaticDevice.objects.create(user=user, name="recovery codes")
        StaticToken.objects.bulk_create(StaticToken(device=recovery, token=code) for code in codes)
        _record(
            request,
            user,
            event_source=IAM_SOURCE,
            event_name="EnableMFADevice",
            request_parameters={"userName": user.get_username(), "serialNumber": f"totp/{device.pk}"},
        )
    return codes


def second_factor_verify(*, request: HttpRequest, user: Any, token: str) -> Device | None:
    """Check a code from the user's authenticator or one of their recovery codes (used up on success).

    Wrong codes are throttled per device by django-otp (growing delays) and each is recorded.
    """
    token = "".join(token.split()).lower()
    is_totp = token.isdigit() and len(token) == TOTP_DIGITS
    model: type[Device] = TOTPDevice if is_totp else StaticDevice
    verified: Device | None = None
    with transaction.atomic(using=scope_database()):
        for device in model.objects.devices_for_user(user, confirmed=True).select_for_update():
            if device.verify_token(token):
                verified = device
                break
    _record_check(
        request, user, passed=verified is not None, method="TOTP" if is_totp else "RecoveryCode", stage="sign-in"
    )
    return verified
