from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.media_type_enum import MediaTypeEnum
from ..models.review_output_status_enum import ReviewOutputStatusEnum

if TYPE_CHECKING:
    from ..models.label_output import LabelOutput
    from ..models.segment_output import SegmentOutput


T = TypeVar("T", bound="ReviewOutput")


@_attrs_define
class ReviewOutput:
    """An API resource: every one says whether it is live or test-mode data (docs/test-mode.md).

    Attributes:
        livemode (bool): true: live data (a vk_live_ key); false: test-mode data (a vk_test_ key). The two never mix.
        id (str):
        status (ReviewOutputStatusEnum): * `open` - Open
            * `decided` - Decided
        moderation_id (str):
        media_type (MediaTypeEnum): * `image` - Image
            * `video` - Video
        automated_decision (str): What the policy decided.
        final_decision (None | str): The reviewer's decision; null until decided.
        driving_category (str):
        policy_version (int):
        labels (list[LabelOutput]):
        flagged_segments (list[SegmentOutput]): Videos: the segments the policy did not approve.
        image_url (None | str): Images: a presigned link to the image, valid 300 s; null otherwise.
        age_seconds (int): Since the task opened, until it was decided.
        claimed_by (None | str): The reviewer holding an unexpired claim.
        claim_expires_at (None | str):
        decided_by (None | str):
        decided_at (datetime.datetime | None):
        note (str):
        created_at (datetime.datetime):
    """

    livemode: bool
    id: str
    status: ReviewOutputStatusEnum
    moderation_id: str
    media_type: MediaTypeEnum
    automated_decision: str
    final_decision: None | str
    driving_category: str
    policy_version: int
    labels: list[LabelOutput]
    flagged_segments: list[SegmentOutput]
    image_url: None | str
    age_seconds: int
    claimed_by: None | str
    claim_expires_at: None | str
    decided_by: None | str
    decided_at: datetime.datetime | None
    note: str
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        livemode = self.livemode

        id = self.id

        status = self.status.value

        moderation_id = self.moderation_id

        media_type = self.media_type.value

        automated_decision = self.automated_decision

        final_decision: None | str
        final_decision = self.final_decision

        driving_category = self.driving_category

        policy_version = self.policy_version

        labels = []
        for labels_item_data in self.labels:
            labels_item = labels_item_data.to_dict()
            labels.append(labels_item)

        flagged_segments = []
        for flagged_segments_item_data in self.flagged_segments:
            flagged_segments_item = flagged_segments_item_data.to_dict()
            flagged_segments.append(flagged_segments_item)

        image_url: None | str
        image_url = self.image_url

        age_seconds = self.age_seconds

        claimed_by: None | str
        claimed_by = self.claimed_by

        claim_expires_at: None | str
        claim_expires_at = self.claim_expires_at

        decided_by: None | str
        decided_by = self.decided_by

        decided_at: None | str
        if isinstance(self.decided_at, datetime.datetime):
            decided_at = self.decided_at.isoformat()
        else:
            decided_at = self.decided_at

        note = self.note

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "livemode": livemode,
                "id": id,
                "status": status,
                "moderation_id": moderation_id,
                "media_type": media_type,
                "automated_decision": automated_decision,
                "final_decision": final_decision,
                "driving_category": driving_category,
                "policy_version": policy_version,
                "labels": labels,
                "flagged_segments": flagged_segments,
                "image_url": image_url,
                "age_seconds": age_seconds,
                "claimed_by": claimed_by,
                "claim_expires_at": claim_expires_at,
                "decided_by": decided_by,
                "decided_at": decided_at,
                "note": note,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.label_output import LabelOutput
        from ..models.segment_output import SegmentOutput

        d = dict(src_dict)
        livemode = d.pop("livemode")

        id = d.pop("id")

        status = ReviewOutputStatusEnum(d.pop("status"))

        moderation_id = d.pop("moderation_id")

        media_type = MediaTypeEnum(d.pop("media_type"))

        automated_decision = d.pop("automated_decision")

        def _parse_final_decision(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        final_decision = _parse_final_decision(d.pop("final_decision"))

        driving_category = d.pop("driving_category")

        policy_version = d.pop("policy_version")

        labels = []
        _labels = d.pop("labels")
        for labels_item_data in _labels:
            labels_item = LabelOutput.from_dict(labels_item_data)

            labels.append(labels_item)

        flagged_segments = []
        _flagged_segments = d.pop("flagged_segments")
        for flagged_segments_item_data in _flagged_segments:
            flagged_segments_item = SegmentOutput.from_dict(flagged_segments_item_data)

            flagged_segments.append(flagged_segments_item)

        def _parse_image_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        image_url = _parse_image_url(d.pop("image_url"))

        age_seconds = d.pop("age_seconds")

        def _parse_claimed_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        claimed_by = _parse_claimed_by(d.pop("claimed_by"))

        def _parse_claim_expires_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        claim_expires_at = _parse_claim_expires_at(d.pop("claim_expires_at"))

        def _parse_decided_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        decided_by = _parse_decided_by(d.pop("decided_by"))

        def _parse_decided_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                decided_at_type_0 = datetime.datetime.fromisoformat(data)

                return decided_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        decided_at = _parse_decided_at(d.pop("decided_at"))

        note = d.pop("note")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        review_output = cls(
            livemode=livemode,
            id=id,
            status=status,
            moderation_id=moderation_id,
            media_type=media_type,
            automated_decision=automated_decision,
            final_decision=final_decision,
            driving_category=driving_category,
            policy_version=policy_version,
            labels=labels,
            flagged_segments=flagged_segments,
            image_url=image_url,
            age_seconds=age_seconds,
            claimed_by=claimed_by,
            claim_expires_at=claim_expires_at,
            decided_by=decided_by,
            decided_at=decided_at,
            note=note,
            created_at=created_at,
        )

        review_output.additional_properties = d
        return review_output

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
