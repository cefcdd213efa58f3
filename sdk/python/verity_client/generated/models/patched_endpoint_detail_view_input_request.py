from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.enabled_events_enum import EnabledEventsEnum
from ..types import UNSET, Unset

T = TypeVar("T", bound="PatchedEndpointDetailViewInputRequest")


@_attrs_define
class PatchedEndpointDetailViewInputRequest:
    """
    Attributes:
        url (str | Unset):
        enabled_events (list[EnabledEventsEnum] | Unset):
        description (str | Unset):
        enabled (bool | Unset): true again after Verity disabled it: resumes.
    """

    url: str | Unset = UNSET
    enabled_events: list[EnabledEventsEnum] | Unset = UNSET
    description: str | Unset = UNSET
    enabled: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        enabled_events: list[str] | Unset = UNSET
        if not isinstance(self.enabled_events, Unset):
            enabled_events = []
            for enabled_events_item_data in self.enabled_events:
                enabled_events_item = enabled_events_item_data.value
                enabled_events.append(enabled_events_item)

        description = self.description

        enabled = self.enabled

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if url is not UNSET:
            field_dict["url"] = url
        if enabled_events is not UNSET:
            field_dict["enabled_events"] = enabled_events
        if description is not UNSET:
            field_dict["description"] = description
        if enabled is not UNSET:
            field_dict["enabled"] = enabled

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        url = d.pop("url", UNSET)

        _enabled_events = d.pop("enabled_events", UNSET)
        enabled_events: list[EnabledEventsEnum] | Unset = UNSET
        if _enabled_events is not UNSET:
            enabled_events = []
            for enabled_events_item_data in _enabled_events:
                enabled_events_item = EnabledEventsEnum(enabled_events_item_data)

                enabled_events.append(enabled_events_item)

        description = d.pop("description", UNSET)

        enabled = d.pop("enabled", UNSET)

        patched_endpoint_detail_view_input_request = cls(
            url=url,
            enabled_events=enabled_events,
            description=description,
            enabled=enabled,
        )

        return patched_endpoint_detail_view_input_request
