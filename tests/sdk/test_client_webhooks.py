"""verity_client.webhooks.verify: a delivery signed by the Standard Webhooks library verifies; a changed
body, another secret, an old or future timestamp, missing headers or a body that is no JSON object do not."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook
from verity_client import webhooks
from verity_client.webhooks import InvalidWebhook

SECRET = "whsec_" + base64.b64encode(b"verity test secret, 32 bytes!!!!").decode()
OTHER_SECRET = "whsec_" + base64.b64encode(b"another secret of 32 bytes......").decode()
EVENT = {"id": "evt_1", "type": "verification.completed", "data": {"id": "ver_1", "status": "approved"}}
BODY = json.dumps(EVENT).encode()


def _headers(
    body: bytes = BODY, *, secret: str = SECRET, at: datetime | None = None, message_id: str = "msg_1"
) -> dict[str, str]:
    at = at or datetime.now(UTC)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
    }


def test_a_signed_delivery_verifies_and_gives_its_event() -> None:
    assert webhooks.verify(BODY, _headers(), SECRET) == EVENT


def test_headers_in_any_letter_case_and_a_str_body_verify() -> None:
    headers = {name.title(): value for name, value in _headers().items()}
    assert webhooks.verify(BODY.decode(), headers, SECRET) == EVENT


def test_during_a_rotation_either_secret_verifies_a_delivery_signed_with_both() -> None:
    at = datetime.now(UTC)
    headers = _headers(at=at)
    headers["webhook-signature"] += " " + Webhook(OTHER_SECRET).sign("msg_1", at, BODY)
    assert webhooks.verify(BODY, headers, SECRET) == EVENT
    assert webhooks.verify(BODY, headers, OTHER_SECRET) == EVENT


def test_a_changed_body_is_refused() -> None:
    tampered = BODY.replace(b"approved", b"rejected")
    with pytest.raises(InvalidWebhook, match="No matching signature"):
        webhooks.verify(tampered, _headers(), SECRET)


def test_another_secret_is_refused() -> None:
    with pytest.raises(InvalidWebhook, match="No matching signature"):
        webhooks.verify(BODY, _headers(), OTHER_SECRET)


def test_another_message_id_is_refused() -> None:
    headers = _headers() | {"webhook-id": "msg_2"}
    with pytest.raises(InvalidWebhook, match="No matching signature"):
        webhooks.verify(BODY, headers, SECRET)


@pytest.mark.parametrize(("shift", "reason"), [(-timedelta(minutes=6), "too old"), (timedelta(minutes=6), "too new")])
def test_a_delivery_signed_outside_five_minutes_of_now_is_refused(shift: timedelta, reason: str) -> None:
    with pytest.raises(InvalidWebhook, match=reason):
        webhooks.verify(BODY, _headers(at=datetime.now(UTC) + shift), SECRET)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_delivery_without_a_standard_header_is_refused(missing: str) -> None:
    headers = _headers()
    del headers[missing]
    with pytest.raises(InvalidWebhook, match="Missing required headers"):
        webhooks.verify(BODY, headers, SECRET)


def test_a_signed_body_that_is_not_a_json_object_is_refused() -> None:
    body = b'["not", "an", "object"]'
    with pytest.raises(InvalidWebhook, match="not a JSON object"):
        webhooks.verify(body, _headers(body), SECRET)


@pytest.mark.parametrize("secret", ["", "whsec_"])
def test_an_empty_secret_is_refused_before_anything_is_checked(secret: str) -> None:
    with pytest.raises(InvalidWebhook, match="secret"):
        webhooks.verify(BODY, _headers(), secret)
