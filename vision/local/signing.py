"""SigV4 verification for the local endpoint: only holders of a configured key pair are served.

The expected signature is computed by botocore's own ``SigV4Auth`` over the request rebuilt
from the incoming method, path, signed headers and body, with the secret configured for the
access key id, and compared in constant time. The credential scope must name this service and
the date of ``X-Amz-Date``, which must be within five minutes of the server's clock (AWS's rule),
so a captured request cannot be replayed later. Failures answer AWS's error codes:
``UnrecognizedClientException`` for an unknown key, ``InvalidSignatureException`` for a wrong
signature or scope, ``IncompleteSignatureException`` for a malformed header.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from django.conf import settings

from vision.local.protocol import (
    Account,
    IncompleteSignatureError,
    InvalidSignatureError,
    MissingAuthenticationTokenError,
    UnrecognizedClientError,
)

SERVICE = "rekognition"
MAX_CLOCK_SKEW = timedelta(minutes=5)
_AMZ_DATE = "%Y%m%dT%H%M%SZ"
_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[A-Za-z0-9]{1,128})/(?P<date>\d{8})/(?P<region>[a-z0-9-]{1,32})/"
    r"(?P<service>[a-z0-9-]{1,64})/aws4_request,\s*SignedHeaders=(?P<headers>[a-z0-9;-]{1,1024}),\s*"
    r"Signature=(?P<signature>[0-9a-f]{64})"
)
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")

# The secret of an access key id, or None when the key is unknown.
SecretLookup = Callable[[str], str | None]


def configured_secret(access_key_id: str) -> str | None:
    """The secret configured for a key (``VERITY_LOCAL_REKOGNITION_CREDENTIALS``), read on every call."""
    credentials: Mapping[str, str] = settings.VERITY_LOCAL_REKOGNITION_CREDENTIALS
    return credentials.get(access_key_id)


def authenticate(
    environ: Mapping[str, Any], body: bytes, secret_for: SecretLookup, *, now: datetime | None = None
) -> Account:
    """The caller whose signature over this request is valid; raises AWS's error otherwise."""
    header = environ.get("HTTP_AUTHORIZATION", "")
    if not header:
        raise MissingAuthenticationTokenError("Missing Authentication Token")
    match = _AUTHORIZATION.fullmatch(header.strip())
    if match is None:
        raise IncompleteSignatureError("Authorization header requires a SigV4 Credential, SignedHeaders and Signature.")
    signed = match["headers"].split(";")
    if "host" not in signed or "x-amz-date" not in signed:
        raise IncompleteSignatureError("The Host and X-Amz-Date headers must be signed.")
    amz_date = environ.get("HTTP_X_AMZ_DATE", "")
    try:
        signed_at = datetime.strptime(amz_date, _AMZ_DATE).replace(tzinfo=UTC)
    except ValueError:
        raise IncompleteSignatureError(
            "X-Amz-Date must be an ISO 8601 basic timestamp (YYYYMMDD'T'HHMMSS'Z')."
        ) from None
    if match["date"] != amz_date[:8]:
        raise InvalidSignatureError(
            f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{match['date']}' != '{amz_date[:8]}'"
        )
    if match["service"] != SERVICE:
        raise InvalidSignatureError(f"Credential should be scoped to correct service: '{SERVICE}'.")
    if _REGION.fullmatch(match["region"]) is None:
        raise InvalidSignatureError("Credential should be scoped to a valid region.")
    now = now or datetime.now(UTC)
    if signed_at < now - MAX_CLOCK_SKEW:
        raise InvalidSignatureError(f"Signature expired: {amz_date} is now earlier than the 5 minutes allowed.")
    if signed_at > now + MAX_CLOCK_SKEW:
        raise InvalidSignatureError(f"Signature not yet current: {amz_date} is later than the 5 minutes allowed.")
    if environ.get("HTTP_X_AMZ_SECURITY_TOKEN"):
        raise UnrecognizedClientError("The security token included in the request is invalid.")
    secret = secret_for(match["key"])
    if secret is None:
        raise UnrecognizedClientError("The security token included in the request is invalid.")
    payload_hash = environ.get("HTTP_X_AMZ_CONTENT_SHA256")
    if payload_hash is not None and not hmac.compare_digest(payload_hash, hashlib.sha256(body).hexdigest()):
        raise InvalidSignatureError("The X-Amz-Content-SHA256 header does not match the request body.")
    expected = _signature(environ, body, signed, match, secret)
    if not hmac.compare_digest(expected, match["signature"]):
        raise InvalidSignatureError(
            "The request signature we calculated does not match the signature you provided. Check your AWS "
            "Secret Access Key and signing method. Consult the service documentation for details."
        )
    return Account(access_key_id=match["key"], region=match["region"])


def _signature(environ: Mapping[str, Any], body: bytes, signed: list[str], match: re.Match[str], secret: str) -> str:
    """botocore's SigV4 signature of the request as the client must have built it."""
    headers = {name: _header(environ, name) for name in signed}
    path = environ.get("PATH_INFO", "") or "/"
    query = environ.get("QUERY_STRING", "")
    request = AWSRequest(
        method=environ.get("REQUEST_METHOD", ""),
        url=f"http://{headers['host']}{path}" + (f"?{query}" if query else ""),
        headers=headers,
        data=body,
    )
    request.context["timestamp"] = environ["HTTP_X_AMZ_DATE"]
    signer = SigV4Auth(Credentials(match["key"], secret), match["service"], match["region"])
    canonical_request = signer.canonical_request(request)
    return str(signer.signature(signer.string_to_sign(request, canonical_request), request))


def _header(environ: Mapping[str, Any], name: str) -> str:
    key = name.upper().replace("-", "_")
    if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        key = f"HTTP_{key}"
    value = environ.get(key)
    if value is None:
        raise IncompleteSignatureError(f"The signed header {name} is missing from the request.")
    return str(value)
