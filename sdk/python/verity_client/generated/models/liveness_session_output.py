from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.liveness_session_output_status_enum import LivenessSessionOutputStatusEnum

T = TypeVar("T", bound="LivenessSessionOutput")


@_attrs_define
class LivenessSessionOutput:
    """An API resource: every one says whether it is live or test-mode data (docs/test-mode.md).

    Attributes:
        livemode (bool): true: live data (a vk_live_ key); false: test-mode data (a vk_test_ key). The two never mix.
        id (str):
        session_id (str): Rekognition's SessionId, for the user's device (Amplify).
        status (LivenessSessionOutputStatusEnum): * `CREATED` - Created
            * `IN_PROGRESS` - In progress
            * `SUCCEEDED` - Succeeded
            * `FAILED` - Failed
            * `EXPIRED` - Expired
        confidence (float | None): Rekognition's confidence that a live person was present.
        passed (bool): SUCCEEDED with a confidence at or above the tenant's liveness threshold.
        expires_at (datetime.datetime): A session not completed by then expires (three minutes).
        verification_id (None | str): The registration that used it; null until then.
        subject_id (None | str):
        created_at (datetime.datetime):
    """

    livemode: bool
    id: str
    session_id: str
    status: LivenessSessionOutputStatusEnum
    confidence: float | None
    passed: bool
    expires_at: datetime.datetime
    verification_id: None | str
    subject_id: None | str
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        livemode = self.livemode

        id = self.id

        session_id = self.session_id

        status = self.status.value

        confidence: float | None
        confidence = self.confidence

        passed = self.passed

        expires_at = self.expires_at.isoformat()

        verification_id: None | str
        verification_id = self.verification_id

        subject_id: None | str
        subject_id = self.subject_id

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "livemode": livemode,
                "id": id,
                "session_id": session_id,
                "status": status,
                "confidence": confidence,
                "passed": passed,
                "expires_at": expires_at,
                "verification_id": verification_id,
                "subject_id": subject_id,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        livemode = d.pop("livemode")

        id = d.pop("id")

        session_id = d.pop("session_id")

        status = LivenessSessionOutputStatusEnum(d.pop("status"))

        def _parse_confidence(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        confidence = _parse_confidence(d.pop("confidence"))

        passed = d.pop("passed")

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        def _parse_verification_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        verification_id = _parse_verification_id(d.pop("verification_id"))

        def _parse_subject_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        subject_id = _parse_subject_id(d.pop("subject_id"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        liveness_session_output = cls(
            livemode=livemode,
            id=id,
            session_id=session_id,
            status=status,
            confidence=confidence,
            passed=passed,
            expires_at=expires_at,
            verification_id=verification_id,
            subject_id=subject_id,
            created_at=created_at,
        )

        liveness_session_output.additional_properties = d
        return liveness_session_output

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
