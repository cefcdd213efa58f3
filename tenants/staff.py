"""A tenant's staff: creating admin users inside a tenant, changing their role, deactivating them.

A staff user is created together with their membership and never moved to another user or
tenant. They get no password here: the returned one-time link (Django's password-reset token,
valid for ``PASSWORD_RESET_TIMEOUT`` and void once a password is set) lets them choose one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import CharField
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from audit.identity import IAM_SOURCE
from audit.recording import audited_by_services, record_change
from audit.redaction import KEEP, register_event
from config.errors import Conflict, InvalidInput
from tenants.models import Membership, Role, Tenant
from tenants.scope import require_scope

register_event(IAM_SOURCE, "CreateUser", request={"userName": KEEP, "role": KEEP})
register_event(IAM_SOURCE, "UpdateUser", request={"userName": KEEP, "role": KEEP, "active": KEEP})
audited_by_services(Membership)


@dataclass(frozen=True)
class StaffInvite:
    membership: Membership
    set_password_path: str  # relative to the site; valid once


def set_password_path(user: Any) -> str:
    """A one-time link to the admin's set-password page for ``user``."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("admin:password_set", kwargs={"uidb64": uidb64, "token": default_token_generator.make_token(user)})


def validate_new_staff_user(*, username: str, role: str, email: str = "") -> None:
    """Raise what ``tenant_user_create`` would refuse, so a form can show it before saving."""
    if role not in Role.values:
        raise InvalidInput(f"role must be one of {Role.values}.", code="invalid_role")
    field = get_user_model()._meta.get_field(get_user_model().USERNAME_FIELD)
    assert isinstance(field, CharField)
    try:
        if not username:
            raise ValidationError("A username is required.")
        field.run_validators(username)
        if len(username) > (field.max_length or 150):
            raise ValidationError(f"A username has at most {field.max_length} characters.")
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), code="invalid_username") from exc
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise InvalidInput("Enter a valid email address.", code="invalid_email") from exc
    if get_user_model()._default_manager.filter(username=username).exists():
        raise Conflict(f"User {username!r} already exists.", code="user_exists")


def check_membership_update(*, membership: Membership, role: str, is_active: bool, actor: Any | None) -> None:
    """Refuse a role outside the roles, and a tenant admin demoting or deactivating themselves."""
    if role not in Role.values:
        raise InvalidInput(f"role must be one of {Role.values}.", code="invalid_role")
    if actor is not None and actor.pk == membership.user_id and (role != Role.TENANT_ADMIN or not is_active):
        raise InvalidInput("You cannot demote or deactivate yourself.", code="own_membership")


def tenant_user_create(
    *, tenant: Tenant, username: str, role: str, email: str = "", actor: Any | None = None
) -> StaffInvite:
    """Create a staff user who belongs to ``tenant`` with ``role``; return their set-password link."""
    validate_new_staff_user(username=username, role=role, email=email)
    user_model = get_user_model()
    try:
        require_scope(tenant)
        with transaction.atomic():
            user = user_model._default_manager.create_user(username=username, email=email, is_staff=True)
            membership = Membership.objects.create(tenant=tenant, user=user, role=role)
            record_change(
                tenant=tenant,
                event_source=IAM_SOURCE,
                event_name="CreateUser",
                actor=actor,
                request_parameters={"userName": username, "role": role},
            )
    except IntegrityError as exc:  # a concurrent request took the name
        raise Conflict(f"User {username!r} already exists.", code="user_exists") from exc
    return StaffInvite(membership=membership, set_password_path=set_password_path(user))


def tenant_user_update(*, membership: Membership, role: str, is_active: bool, actor: Any | None = None) -> Membership:
    """Change a staff user's role or (de)activate them; a deactivated user can no longer sign in."""
    check_membership_update(membership=membership, role=role, is_active=is_active, actor=actor)
    user = membership.user
    if membership.role == role and user.is_active == is_active:
        return membership
    require_scope(membership.tenant_id)
    with transaction.atomic():
        Membership.objects.filter(pk=membership.pk).update(role=role)
        get_user_model()._default_manager.filter(pk=user.pk).update(is_active=is_active)
        membership.role, user.is_active = role, is_active
        record_change(
            tenant=membership.tenant,
            event_source=IAM_SOURCE,
            event_name="UpdateUser",
            actor=actor,
            request_parameters={"userName": user.get_username(), "role": role, "active": is_active},
        )
    return membership
