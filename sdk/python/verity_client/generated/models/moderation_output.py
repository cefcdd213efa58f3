from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.media_type_enum import MediaTypeEnum
from ..models.moderation_output_status_enum import ModerationOutputStatusEnum

if TYPE_CHECKING:
    from ..models.label_output import LabelOutput
    from ..models.moderation_output_metadata import ModerationOutputMetadata
    from ..models.segment_output import SegmentOutput


T = TypeVar("T", bound="ModerationOutput")


@_attrs_define
class ModerationOutput:
    """An API resource: every one says whether it is live or test-mode data (docs/test-mode.md).

    Attributes:
        livemode (bool): true: live data (a vk_live_ key); false: test-mode data (a vk_test_ key). The two never mix.
        id (str):
        media_type (MediaTypeEnum): * `image` - Image
            * `video` - Video
        status (ModerationOutputStatusEnum): * `pending` - Pending
            * `in_progress` - In progress
            * `succeeded` - Succeeded
            * `failed` - Failed
        decision (None | str): The automated decision; null until it is made.
        final_decision (None | str): A reviewer's decision on a result sent to review; null until then.
        driving_category (str): The category that decided review or reject; empty otherwise.
        labels (list[LabelOutput]):
        segments (list[SegmentOutput]): Videos: the labels at each sampled timestamp.
        policy_version (int):
        taxonomy_version (str):
        moderation_model_version (str):
        cached (bool): True when an identical image under the same policy version was already moderated: its answer was
            reused without another engine call.
        review_task_id (None | str):
        external_ref (str):
        metadata (ModerationOutputMetadata):
        error_code (str): When failed: e.g. video_job_failed, video_timeout.
        error_message (str):
        created_at (datetime.datetime):
        completed_at (datetime.datetime | None):
    """

    livemode: bool
    id: str
    media_type: MediaTypeEnum
    status: ModerationOutputStatusEnum
    decision: None | str
    final_decision: None | str
    driving_category: str
    labels: list[LabelOutput]
    segments: list[SegmentOutput]
    policy_version: int
    taxonomy_version: str
    moderation_model_version: str
    cached: bool
    review_task_id: None | str
    external_ref: str
    metadata: ModerationOutputMetadata
    error_code: str
    error_message: str
    created_at: datetime.datetime
    completed_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        livemode = self.livemode

        id = self.id

        media_type = self.media_type.value

        status = self.status.value

        decision: None | str
        decision = self.decision

        final_decision: None | str
        final_decision = self.final_decision

        driving_category = self.driving_category

        labels = []
        for labels_item_data in self.labels:
            labels_item = labels_item_data.to_dict()
            labels.append(labels_item)

        segments = []
        for segments_item_data in self.segments:
            segments_item = segments_item_data.to_dict()
            segments.append(segments_item)

        policy_version = self.policy_version

        taxonomy_version = self.taxonomy_version

        moderation_model_version = self.moderation_model_version

        cached = self.cached

        review_task_id: None | str
        review_task_id = self.review_task_id

        external_ref = self.external_ref

        metadata = self.metadata.to_dict()

        error_code = self.error_code

        error_message = self.error_message

        created_at = self.created_at.isoformat()

        completed_at: None | str
        if isinstance(self.completed_at, datetime.datetime):
            completed_at = self.completed_at.isoformat()
        else:
            completed_at = self.completed_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "livemode": livemode,
                "id": id,
                "media_type": media_type,
                "status": status,
                "decision": decision,
                "final_decision": final_decision,
                "driving_category": driving_category,
                "labels": labels,
                "segments": segments,
                "policy_version": policy_version,
                "taxonomy_version": taxonomy_version,
                "moderation_model_version": moderation_model_version,
                "cached": cached,
                "review_task_id": review_task_id,
                "external_ref": external_ref,
                "metadata": metadata,
                "error_code": error_code,
                "error_message": error_message,
                "created_at": created_at,
                "completed_at": completed_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.label_output import LabelOutput
        from ..models.moderation_output_metadata import ModerationOutputMetadata
        from ..models.segment_output import SegmentOutput

        d = dict(src_dict)
        livemode = d.pop("livemode")

        id = d.pop("id")

        media_type = MediaTypeEnum(d.pop("media_type"))

        status = ModerationOutputStatusEnum(d.pop("status"))

        def _parse_decision(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        decision = _parse_decision(d.pop("decision"))

        def _parse_final_decision(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        final_decision = _parse_final_decision(d.pop("final_decision"))

        driving_category = d.pop("driving_category")

        labels = []
        _labels = d.pop("labels")
        for labels_item_data in _labels:
            labels_item = LabelOutput.from_dict(labels_item_data)

            labels.append(labels_item)

        segments = []
        _segments = d.pop("segments")
        for segments_item_data in _segments:
            segments_item = SegmentOutput.from_dict(segments_item_data)

            segments.append(segments_item)

        policy_version = d.pop("policy_version")

        taxonomy_version = d.pop("taxonomy_version")

        moderation_model_version = d.pop("moderation_model_version")

        cached = d.pop("cached")

        def _parse_review_task_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        review_task_id = _parse_review_task_id(d.pop("review_task_id"))

        external_ref = d.pop("external_ref")

        metadata = ModerationOutputMetadata.from_dict(d.pop("metadata"))

        error_code = d.pop("error_code")

        error_message = d.pop("error_message")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_completed_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                completed_at_type_0 = datetime.datetime.fromisoformat(data)

                return completed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        completed_at = _parse_completed_at(d.pop("completed_at"))

        moderation_output = cls(
            livemode=livemode,
            id=id,
            media_type=media_type,
            status=status,
            decision=decision,
            final_decision=final_decision,
            driving_category=driving_category,
            labels=labels,
            segments=segments,
            policy_version=policy_version,
            taxonomy_version=taxonomy_version,
            moderation_model_version=moderation_model_version,
            cached=cached,
            review_task_id=review_task_id,
            external_ref=external_ref,
            metadata=metadata,
            error_code=error_code,
            error_message=error_message,
            created_at=created_at,
            completed_at=completed_at,
        )

        moderation_output.additional_properties = d
        return moderation_output

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
