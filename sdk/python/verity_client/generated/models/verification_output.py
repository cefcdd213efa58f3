from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.type_enum import TypeEnum
from ..models.verification_output_status_enum import VerificationOutputStatusEnum
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.match_output import MatchOutput
    from ..models.reason_output import ReasonOutput
    from ..models.step_output import StepOutput


T = TypeVar("T", bound="VerificationOutput")


@_attrs_define
class VerificationOutput:
    """An API resource: every one says whether it is live or test-mode data (docs/test-mode.md).

    Attributes:
        livemode (bool): true: live data (a vk_live_ key); false: test-mode data (a vk_test_ key). The two never mix.
        id (str):
        type_ (TypeEnum): * `registration` - Registration
            * `authentication` - Authentication
            * `photo_update` - Photo update
            * `identification` - Identification
        status (VerificationOutputStatusEnum): * `pending` - Pending
            * `processing` - Processing
            * `approved` - Approved
            * `rejected` - Rejected
            * `needs_review` - Needs review
            * `failed` - Failed
        reasons (list[ReasonOutput]):
        matches (list[MatchOutput]):
        steps (list[StepOutput]):
        liveness_session_id (str):
        document_id (str):
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        finished_at (datetime.datetime | None):
        subject_id (None | str | Unset):
    """

    livemode: bool
    id: str
    type_: TypeEnum
    status: VerificationOutputStatusEnum
    reasons: list[ReasonOutput]
    matches: list[MatchOutput]
    steps: list[StepOutput]
    liveness_session_id: str
    document_id: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    finished_at: datetime.datetime | None
    subject_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        livemode = self.livemode

        id = self.id

        type_ = self.type_.value

        status = self.status.value

        reasons = []
        for reasons_item_data in self.reasons:
            reasons_item = reasons_item_data.to_dict()
            reasons.append(reasons_item)

        matches = []
        for matches_item_data in self.matches:
            matches_item = matches_item_data.to_dict()
            matches.append(matches_item)

        steps = []
        for steps_item_data in self.steps:
            steps_item = steps_item_data.to_dict()
            steps.append(steps_item)

        liveness_session_id = self.liveness_session_id

        document_id = self.document_id

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        subject_id: None | str | Unset
        if isinstance(self.subject_id, Unset):
            subject_id = UNSET
        else:
            subject_id = self.subject_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "livemode": livemode,
                "id": id,
                "type": type_,
                "status": status,
                "reasons": reasons,
                "matches": matches,
                "steps": steps,
                "liveness_session_id": liveness_session_id,
                "document_id": document_id,
                "created_at": created_at,
                "updated_at": updated_at,
                "finished_at": finished_at,
            }
        )
        if subject_id is not UNSET:
            field_dict["subject_id"] = subject_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.match_output import MatchOutput
        from ..models.reason_output import ReasonOutput
        from ..models.step_output import StepOutput

        d = dict(src_dict)
        livemode = d.pop("livemode")

        id = d.pop("id")

        type_ = TypeEnum(d.pop("type"))

        status = VerificationOutputStatusEnum(d.pop("status"))

        reasons = []
        _reasons = d.pop("reasons")
        for reasons_item_data in _reasons:
            reasons_item = ReasonOutput.from_dict(reasons_item_data)

            reasons.append(reasons_item)

        matches = []
        _matches = d.pop("matches")
        for matches_item_data in _matches:
            matches_item = MatchOutput.from_dict(matches_item_data)

            matches.append(matches_item)

        steps = []
        _steps = d.pop("steps")
        for steps_item_data in _steps:
            steps_item = StepOutput.from_dict(steps_item_data)

            steps.append(steps_item)

        liveness_session_id = d.pop("liveness_session_id")

        document_id = d.pop("document_id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        def _parse_subject_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        subject_id = _parse_subject_id(d.pop("subject_id", UNSET))

        verification_output = cls(
            livemode=livemode,
            id=id,
            type_=type_,
            status=status,
            reasons=reasons,
            matches=matches,
            steps=steps,
            liveness_session_id=liveness_session_id,
            document_id=document_id,
            created_at=created_at,
            updated_at=updated_at,
            finished_at=finished_at,
            subject_id=subject_id,
        )

        verification_output.additional_properties = d
        return verification_output

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
