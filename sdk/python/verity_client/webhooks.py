"""Verifying the webhooks Verity sends (the Standard Webhooks format), with the ``standardwebhooks`` library.

Each delivery carries ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature``
(``v1,<base64 HMAC-SHA256>``, space-separated when the endpoint's secret is being rotated and both
secrets sign), made with the endpoint's ``whsec_…`` secret over ``id.timestamp.body``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import EmptyWebhookSecretError, WebhookVerificationError


class InvalidWebhook(Exception):
    """The delivery is not one Verity signed with this secret, is older or newer than five minutes,
    or its body is not a JSON object: do not act on it (answer 400)."""


def verify(payload: bytes | str, headers: Mapping[str, str], secret: str) -> dict[str, Any]:
    """The event a delivery carries, once its signature and timestamp are checked against ``secret``.

    ``payload`` is the request body exactly as received (bytes; re-encoded JSON will not verify);
    ``headers`` its headers, in any letter case (a dict, Django's ``request.headers``, ...).
    Raises ``InvalidWebhook``; a signature is never accepted without the secret's check.
    """
    try:
        webhook = Webhook(secret)
    except (EmptyWebhookSecretError, ValueError) as error:  # binascii.Error is a ValueError
        raise InvalidWebhook(f"The webhook secret is not a whsec_… secret: {error}") from error
    try:
        webhook.verify(payload, {name.lower(): value for name, value in headers.items()}, json_parse=False)
    except WebhookVerificationError as error:
        raise InvalidWebhook(f"Webhook verification failed: {error}") from error
    try:
        event = json.loads(payload)
    except ValueError as error:
        raise InvalidWebhook("The webhook body is not JSON.") from error
    if not isinstance(event, dict):
        raise InvalidWebhook("The webhook body is not a JSON object.")
    return event
