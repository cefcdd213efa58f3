from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.webhook_event_type_enum import WebhookEventTypeEnum

if TYPE_CHECKING:
    from ..models.webhook_event_output_data import WebhookEventOutputData


T = TypeVar("T", bound="WebhookEventOutput")


@_attrs_define
class WebhookEventOutput:
    """An API resource: every one says whether it is live or test-mode data (docs/test-mode.md).

    Attributes:
        livemode (bool): true: live data (a vk_live_ key); false: test-mode data (a vk_test_ key). The two never mix.
        id (str):
        type_ (WebhookEventTypeEnum): * `verification.completed` - A verification reached its final state
            * `moderation.completed` - An image or video moderation finished
            * `review.decided` - A reviewer decided a review task
            * `batch_index_job.completed` - A batch index job finished
            * `erasure.completed` - A subject's erasure completed
            * `audit_export.completed` - An audit export finished
        data (WebhookEventOutputData): The resource and its new state: object, id, and its status fields.
        created_at (datetime.datetime):
    """

    livemode: bool
    id: str
    type_: WebhookEventTypeEnum
    data: WebhookEventOutputData
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        livemode = self.livemode

        id = self.id

        type_ = self.type_.value

        data = self.data.to_dict()

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "livemode": livemode,
                "id": id,
                "type": type_,
                "data": data,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.webhook_event_output_data import WebhookEventOutputData

        d = dict(src_dict)
        livemode = d.pop("livemode")

        id = d.pop("id")

        type_ = WebhookEventTypeEnum(d.pop("type"))

        data = WebhookEventOutputData.from_dict(d.pop("data"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        webhook_event_output = cls(
            livemode=livemode,
            id=id,
            type_=type_,
            data=data,
            created_at=created_at,
        )

        webhook_event_output.additional_properties = d
        return webhook_event_output

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
