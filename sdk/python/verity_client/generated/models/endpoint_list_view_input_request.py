from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.enabled_events_enum import EnabledEventsEnum
from ..types import UNSET, Unset

T = TypeVar("T", bound="EndpointListViewInputRequest")


@_attrs_define
class EndpointListViewInputRequest:
    """
    Attributes:
        url (str): https:// (http:// in development only).
        enabled_events (list[EnabledEventsEnum]):
        description (str | Unset):  Default: ''.
        enabled (bool | Unset):  Default: True.
    """

    url: str
    enabled_events: list[EnabledEventsEnum]
    description: str | Unset = ""
    enabled: bool | Unset = True

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        enabled_events = []
        for enabled_events_item_data in self.enabled_events:
            enabled_events_item = enabled_events_item_data.value
            enabled_events.append(enabled_events_item)

        description = self.description

        enabled = self.enabled

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "url": url,
                "enabled_events": enabled_events,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if enabled is not UNSET:
            field_dict["enabled"] = enabled

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        url = d.pop("url")

        enabled_events = []
        _enabled_events = d.pop("enabled_events")
        for enabled_events_item_data in _enabled_events:
            enabled_events_item = EnabledEventsEnum(enabled_events_item_data)

            enabled_events.append(enabled_events_item)

        description = d.pop("description", UNSET)

        enabled = d.pop("enabled", UNSET)

        endpoint_list_view_input_request = cls(
            url=url,
            enabled_events=enabled_events,
            description=description,
            enabled=enabled,
        )

        return endpoint_list_view_input_request
