"""Allow-list redaction of what an audit event may carry.

Only parameters listed for an event survive; everything else is dropped, so a parameter added
to an API later is kept out of the log until someone decides it is safe. Listed parameters
that must be visible as *present* but whose value must not be (image bytes, metadata, key
material) are replaced by CloudTrail's ``HIDDEN_DUE_TO_SECURITY_REASONS``. Free text
(``userAgent``, ``errorMessage``) is length-capped and scrubbed of anything shaped like an API
key secret.

Rules are registered per ``(eventSource, eventName)``; ``eventName`` ``"*"`` covers every event
of a source that has no rule of its own. An app declares the rules of its API actions with
``register_action`` in its ``api.py``, next to the views (and imports that module in its
``AppConfig.ready`` so workers know the rules too); other events (sign-in, admin changes, system
actions, downstream AWS calls) are declared with ``register_event`` where they are emitted. An
event without a rule keeps no parameters at all.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeAlias

from audit.identity import HIDDEN, aws_event_source, verity_event_source

logger = logging.getLogger(__name__)

MAX_STRING = 512
MAX_LIST_ITEMS = 100
# vk_live_/vk_test_ + 12-character key id + 40-character secret (tenants.services).
_API_KEY_TOKEN = re.compile(r"(vk_(?:live|test)_[A-Za-z0-9]{12})[A-Za-z0-9]{40}")
_SURROGATE = re.compile("[\ud800-\udfff]")
# A float JSON cannot round-trip through PostgreSQL's numeric unchanged beyond this.
_MAX_FLOAT = 1e15


class Rule(Enum):
    KEEP = "keep"  # a scalar (string, number, boolean, null) is kept as it is
    HIDE = "hide"  # the key is kept, its value replaced by HIDDEN_DUE_TO_SECURITY_REASONS


KEEP = Rule.KEEP
HIDE = Rule.HIDE


@dataclass(frozen=True)
class ListOf:
    """A list whose items each follow ``item`` (at most MAX_LIST_ITEMS are kept)."""

    item: Spec


Spec: TypeAlias = Rule | ListOf | Mapping[str, "Spec"]


@dataclass(frozen=True)
class EventRules:
    """What an event may keep of its requestParameters, responseElements and serviceEventDetails."""

    request: Spec | None = None
    response: Spec | None = None
    details: Spec | None = None


_rules: dict[tuple[str, str], EventRules] = {}
_api_actions: set[str] = set()
_warned: set[tuple[str, str]] = set()


def register_event(
    event_source: str,
    event_name: str,
    *,
    request: Spec | None = None,
    response: Spec | None = None,
    details: Spec | None = None,
) -> None:
    """Declare what ``(event_source, event_name)`` keeps; ``event_name="*"`` covers the whole source.

    Declaring other rules for a name already declared is refused: a service's event and an API
    action of the same name would otherwise silently share (and lose) one of their rule sets.
    """
    rules = EventRules(request=request, response=response, details=details)
    declared = _rules.setdefault((event_source, event_name), rules)
    if declared != rules:
        raise ValueError(f"{event_source} {event_name} already has other redaction rules.")


def register_action(
    action: str,
    *,
    request: Spec | None = None,
    response: Spec | None = None,
    details: Spec | None = None,
) -> str:
    """Declare what the API policy action ``action`` (``app:Operation``) keeps; returns ``action``,
    so a view's ``policy_actions`` can name the action its rules were declared for."""
    app, _, operation = action.partition(":")
    register_event(verity_event_source(app), operation, request=request, response=response, details=details)
    _api_actions.add(action)
    return action


def api_actions() -> frozenset[str]:
    """The API policy actions that have rules."""
    return frozenset(_api_actions)


def rules_for(event_source: str, event_name: str) -> EventRules:
    """The event's rules, the source's ``*`` rules, or none (nothing is kept)."""
    rules = _rules.get((event_source, event_name)) or _rules.get((event_source, "*"))
    if rules is None:
        if (event_source, event_name) not in _warned:
            _warned.add((event_source, event_name))
            logger.warning("No audit redaction rules for %s %s: its parameters are dropped", event_source, event_name)
        return EventRules()
    return rules


def redact(value: Any, spec: Spec | None) -> Any:
    """``value`` reduced to what ``spec`` allows; None when nothing is allowed."""
    if spec is None or value is None:
        return None
    return _apply(value, spec)


def _apply(value: Any, spec: Spec) -> Any:
    if isinstance(spec, Rule):
        return HIDDEN if spec is Rule.HIDE else _scalar(value)
    if isinstance(spec, ListOf):
        if not isinstance(value, list | tuple):
            return HIDDEN
        return [_apply(item, spec.item) for item in value[:MAX_LIST_ITEMS]]
    if not isinstance(value, Mapping):
        return HIDDEN
    kept: dict[str, Any] = {}
    for key, rule in spec.items():
        if key in value:
            kept[key] = None if value[key] is None else _apply(value[key], rule)
    return kept


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) and abs(value) < _MAX_FLOAT else HIDDEN
    if isinstance(value, str):
        return scrub_text(value, limit=MAX_STRING)
    return HIDDEN  # bytes, containers, objects: never kept by a scalar rule


def scrub_text(text: str | None, *, limit: int) -> str | None:
    """Cap ``text`` at ``limit`` characters, mask API key secrets, drop NUL (PostgreSQL refuses it in JSON)
    and replace unpaired surrogates with U+FFFD (UTF-8 cannot encode them, so the record could not be written)."""
    if text is None:
        return None
    cleaned = text
    if "vk_" in cleaned:
        cleaned = _API_KEY_TOKEN.sub(lambda match: f"{match.group(1)}{HIDDEN}", cleaned)
    if "\x00" in cleaned:
        cleaned = cleaned.replace("\x00", "")
    cleaned = _SURROGATE.sub("\ufffd", cleaned)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


# ---------------------------------------------------------------------------------------------
# Rules for the downstream AWS calls and the events the audit app emits itself; API actions
# declare theirs in their app's api.py.

_IMAGE: Spec = {
    "sha256": KEEP,
    "size": KEEP,
    "Bytes": HIDE,
    "S3Object": {"Bucket": KEEP, "Name": KEEP, "Version": KEEP},
}
_COUNT_AND_FACE_IDS: Spec = {"count": KEEP, "FaceIds": ListOf(KEEP)}
_COUNT: Spec = {"count": KEEP}

REKOGNITION_REQUEST: Spec = {
    "CollectionId": KEEP,
    "Image": _IMAGE,
    "SourceImage": _IMAGE,
    "TargetImage": _IMAGE,
    "Video": {"S3Object": {"Bucket": KEEP, "Name": KEEP, "Version": KEEP}},
    "MaxFaces": KEEP,
    "MaxResults": KEEP,
    "NextToken": HIDE,
    "FaceMatchThreshold": KEEP,
    "SimilarityThreshold": KEEP,
    "MinConfidence": KEEP,
    "QualityFilter": KEEP,
    "ExternalImageId": KEEP,
    "DetectionAttributes": ListOf(KEEP),
    "Attributes": ListOf(KEEP),
    "FaceId": KEEP,
    "FaceIds": ListOf(KEEP),
    "UserId": KEEP,
    "JobId": KEEP,
    "JobTag": KEEP,
    "SessionId": KEEP,
    "ClientRequestToken": KEEP,
    "KmsKeyId": KEEP,
    "Filters": HIDE,
    "Settings": HIDE,
    "HumanLoopConfig": HIDE,
    "NotificationChannel": {"SNSTopicArn": KEEP, "RoleArn": KEEP},
}
REKOGNITION_RESPONSE: Spec = {
    "FaceModelVersion": KEEP,
    "FaceModelVersions": ListOf(KEEP),
    "ModerationModelVersion": KEEP,
    "TextModelVersion": KEEP,
    "CollectionArn": KEEP,
    "CollectionIds": ListOf(KEEP),
    "StatusCode": KEEP,
    "FaceCount": KEEP,
    "SearchedFaceId": KEEP,
    "SearchedFaceConfidence": KEEP,
    "FaceMatches": _COUNT_AND_FACE_IDS,
    "FaceRecords": _COUNT_AND_FACE_IDS,
    "Faces": _COUNT_AND_FACE_IDS,
    "UnindexedFaces": _COUNT,
    "UnmatchedFaces": _COUNT,
    "FaceDetails": _COUNT,
    "DeletedFaces": ListOf(KEEP),
    "UnsuccessfulFaceDeletions": _COUNT,
    "ModerationLabels": _COUNT,
    "TextDetections": _COUNT,  # never the text itself
    "JobId": KEEP,
    "JobStatus": KEEP,
    "SessionId": KEEP,
    "Status": KEEP,
    "Confidence": KEEP,
    "NextToken": HIDE,
}
KMS_REQUEST: Spec = {
    "KeyId": KEEP,
    "KeyUsage": KEEP,
    "KeySpec": KEEP,
    "AliasName": KEEP,
    "TargetKeyId": KEEP,
    "PendingWindowInDays": KEEP,
    "NumberOfBytes": KEEP,
    "Description": HIDE,
    "Tags": HIDE,
    "EncryptionContext": HIDE,
    "Plaintext": HIDE,
    "CiphertextBlob": HIDE,
}
KMS_RESPONSE: Spec = {
    "KeyId": KEEP,
    "KeyState": KEEP,
    "DeletionDate": KEEP,
    "KeyMetadata": {"KeyId": KEEP, "Arn": KEEP, "KeyState": KEEP, "KeyUsage": KEEP},
}
S3_REQUEST: Spec = {
    "Bucket": KEEP,
    "Key": KEEP,
    "VersionId": KEEP,
    "Prefix": KEEP,
    "MaxKeys": KEEP,
    "ContentType": KEEP,
    "ContentLength": KEEP,
    "ServerSideEncryption": KEEP,
    "SSEKMSKeyId": KEEP,
    "Body": HIDE,
    "CreateBucketConfiguration": {"LocationConstraint": KEEP},
    "PublicAccessBlockConfiguration": {
        "BlockPublicAcls": KEEP,
        "IgnorePublicAcls": KEEP,
        "BlockPublicPolicy": KEEP,
        "RestrictPublicBuckets": KEEP,
    },
    "ServerSideEncryptionConfiguration": HIDE,
}
S3_RESPONSE: Spec = {"ETag": KEEP, "VersionId": KEEP, "ContentLength": KEEP, "ContentType": KEEP, "KeyCount": KEEP}


register_event(aws_event_source("rekognition"), "*", request=REKOGNITION_REQUEST, response=REKOGNITION_RESPONSE)
register_event(aws_event_source("kms"), "*", request=KMS_REQUEST, response=KMS_RESPONSE)
register_event(aws_event_source("s3"), "*", request=S3_REQUEST, response=S3_RESPONSE)

register_event(
    verity_event_source("audit"),
    "CreateDigest",
    details={
        "digestStartTime": KEEP,
        "digestEndTime": KEEP,
        "digestS3Bucket": KEEP,
        "digestS3Object": KEEP,
        "recordCount": KEEP,
    },
)
register_event(
    verity_event_source("audit"),
    "PurgeEvents",
    details={"cutoff": KEEP, "deletedCount": KEEP, "throughSequence": KEEP, "retentionDays": KEEP},
)
register_event(verity_event_source("audit"), "PutAuditSettings", request={"retentionDays": KEEP})
register_event(verity_event_source("audit"), "RotateSigningKey", details={"fingerprint": KEEP, "validFrom": KEEP})
register_event(verity_event_source("signin"), "ConsoleLogin", response={"ConsoleLogin": KEEP})
register_event(verity_event_source("signin"), "ConsoleLogout", response={"ConsoleLogout": KEEP})
# Admin changes name the object and the fields that changed, never their values.
register_event(
    verity_event_source("admin"),
    "*",
    request={"model": KEEP, "objectId": KEEP, "changedFields": ListOf(KEEP)},
)
