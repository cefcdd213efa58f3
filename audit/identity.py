"""CloudTrail ``userIdentity`` blocks, ARNs and event sources for Verity's principals.

The mapping (CloudTrail's types, Verity's principals; ARNs use the ``verity`` partition because
these are not AWS resources, while account ids are the tenant's 12-digit account id):

=================  ==============  =====================================================
principal          type            principalId / arn / accessKeyId / userName
=================  ==============  =====================================================
API key            IAMUser         key prefix / ``arn:verity:iam::<acct>:api-key/<prefix>``
                                   / key prefix / key name (or prefix)
tenant staff user  IAMUser         ``usr-<id>`` / ``arn:verity:iam::<acct>:user/<username>``
                                   / null / username
platform operator  AWSAccount      ``op-<id>`` / ``arn:verity:iam::<platform>:user/<username>``
                                   / null / username (accountId = the platform's account)
Verity itself      AWSService      ``verity.internal`` / null / null / null, plus
                                   ``invokedBy: verity.internal``
unauthenticated    AWSAccount      "" / null / the presented key prefix, if well-formed /
                                   null; accountId ``ANONYMOUS_PRINCIPAL`` as CloudTrail does
=================  ==============  =====================================================
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from tenants.models import ApiKey, Tenant

HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"
SYSTEM_PRINCIPAL = "verity.internal"
ANONYMOUS_ACCOUNT = "ANONYMOUS_PRINCIPAL"
_DEFAULT_PLATFORM_ACCOUNT_ID = "000000000000"
EVENT_SOURCE_DOMAIN = "verity.local"

UserIdentity = dict[str, Any]
Resource = dict[str, Any]


def platform_account_id() -> str:
    """The account id platform events and operators are recorded under."""
    return str(getattr(settings, "VERITY_PLATFORM_ACCOUNT_ID", _DEFAULT_PLATFORM_ACCOUNT_ID))


def verity_event_source(app: str) -> str:
    """``verification`` → ``verification.verity.local``: Verity's APIs named the way AWS names its own."""
    return f"{app}.{EVENT_SOURCE_DOMAIN}"


# Verity's identities (staff users, API keys, second factors), named the way AWS IAM names its events.
IAM_SOURCE = verity_event_source("iam")


def aws_event_source(service: str) -> str:
    """``rekognition`` → ``rekognition.amazonaws.com``: downstream AWS calls keep AWS's real source."""
    return f"{service}.amazonaws.com"


def _identity(
    type_: str,
    *,
    principal_id: str | None,
    arn: str | None,
    account_id: str | None,
    access_key_id: str | None = None,
    user_name: str | None = None,
) -> UserIdentity:
    return {
        "type": type_,
        "principalId": principal_id,
        "arn": arn,
        "accountId": account_id,
        "accessKeyId": access_key_id,
        "userName": user_name,
    }


def api_key_identity(api_key: ApiKey, tenant: Tenant | None = None) -> UserIdentity:
    """An API key acts as an IAM user whose access key id is the key's public prefix (never the secret)."""
    tenant = tenant or api_key.tenant
    return _identity(
        "IAMUser",
        principal_id=api_key.prefix,
        arn=f"arn:verity:iam::{tenant.account_id}:api-key/{api_key.prefix}",
        account_id=tenant.account_id,
        access_key_id=api_key.prefix,
        user_name=api_key.name or api_key.prefix,
    )


def user_identity(*, user_pk: int, username: str, tenant: Tenant | None) -> UserIdentity:
    """A tenant's staff user, or an operator (a user with no tenant) acting from the platform's account."""
    if tenant is None:
        account = platform_account_id()
        return _identity(
            "AWSAccount",
            principal_id=f"op-{user_pk}",
            arn=f"arn:verity:iam::{account}:user/{username}",
            account_id=account,
            user_name=username,
        )
    return _identity(
        "IAMUser",
        principal_id=f"usr-{user_pk}",
        arn=f"arn:verity:iam::{tenant.account_id}:user/{username}",
        account_id=tenant.account_id,
        user_name=username,
    )


def system_identity(tenant: Tenant | None = None) -> UserIdentity:
    """Verity acting on its own (digests, exports, purges, downstream AWS calls) as a service principal."""
    identity = _identity(
        "AWSService",
        principal_id=SYSTEM_PRINCIPAL,
        arn=None,
        account_id=tenant.account_id if tenant is not None else platform_account_id(),
    )
    identity["invokedBy"] = SYSTEM_PRINCIPAL
    return identity


def actor_identity(actor: Any | None, tenant: Tenant) -> UserIdentity:
    """Who made a change: a tenant's staff user, an operator (platform account), or Verity itself (``None``:
    a management command or task)."""
    if actor is None:
        return system_identity(tenant)
    return user_identity(user_pk=actor.pk, username=actor.get_username(), tenant=None if actor.is_superuser else tenant)


def unknown_user_identity() -> UserIdentity:
    """A sign-in attempt for a username that does not exist: the name itself may be a password."""
    return _identity("IAMUser", principal_id="", arn=None, account_id=platform_account_id(), user_name=HIDDEN)


def anonymous_identity(access_key_id: str | None = None) -> UserIdentity:
    """A caller without valid credentials; ``access_key_id`` is only ever a key's public prefix."""
    return _identity("AWSAccount", principal_id="", arn=None, account_id=ANONYMOUS_ACCOUNT, access_key_id=access_key_id)


def resource(tenant: Tenant, *, service: str, resource_type: str, resource_id: str) -> Resource:
    """One entry of ``resources``: e.g. a subject is ``arn:verity:verification:<region>:<acct>:subject/<id>``."""
    kind = "".join(part.capitalize() for part in resource_type.split("-"))
    return {
        "ARN": f"arn:verity:{service}:{tenant.region}:{tenant.account_id}:{resource_type}/{resource_id}",
        "accountId": tenant.account_id,
        "type": f"Verity::{service.capitalize()}::{kind}",
    }


# The request being served, for events raised where Django passes no request (an admin
# LogEntry being saved): they still get the caller's address and user agent.
current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "verity_audit_request", default=None
)


class AuditRequestMiddleware:
    """Makes the current request available to audit events recorded from signal receivers, and
    seals each chain the request wrote to once, before the response leaves (``seals_deferred``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from audit.recording.chain import seals_deferred  # the recorder imports this module

        token = current_request.set(request)
        try:
            with seals_deferred():
                return self.get_response(request)
        finally:
            current_request.reset(token)
