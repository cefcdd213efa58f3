from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.blank_enum import BlankEnum
from ..models.disabled_reason_enum import DisabledReasonEnum

T = TypeVar("T", bound="EndpointOutput")


@_attrs_define
class EndpointOutput:
    """An API resource: every one says whether it is live or test-mode data (docs/test-mode.md).

    Attributes:
        livemode (bool): true: live data (a vk_live_ key); false: test-mode data (a vk_test_ key). The two never mix.
        id (str):
        url (str):
        description (str):
        enabled_events (list[str]):
        enabled (bool):
        disabled_reason (BlankEnum | DisabledReasonEnum): Why it is disabled: by_tenant, or failing (Verity disabled
            it).

            * `` - Enabled
            * `by_tenant` - Disabled by the tenant
            * `failing` - Disabled after persistent delivery failure
        disabled_at (datetime.datetime | None):
        secret_rotation_ends_at (datetime.datetime | None): Until then the previous secret signs too (a second v1
            signature).
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
    """

    livemode: bool
    id: str
    url: str
    description: str
    enabled_events: list[str]
    enabled: bool
    disabled_reason: BlankEnum | DisabledReasonEnum
    disabled_at: datetime.datetime | None
    secret_rotation_ends_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        livemode = self.livemode

        id = self.id

        url = self.url

        description = self.description

        enabled_events = self.enabled_events

        enabled = self.enabled

        disabled_reason: str
        if isinstance(self.disabled_reason, DisabledReasonEnum):
            disabled_reason = self.disabled_reason.value
        else:
            disabled_reason = self.disabled_reason.value

        disabled_at: None | str
        if isinstance(self.disabled_at, datetime.datetime):
            disabled_at = self.disabled_at.isoformat()
        else:
            disabled_at = self.disabled_at

        secret_rotation_ends_at: None | str
        if isinstance(self.secret_rotation_ends_at, datetime.datetime):
            secret_rotation_ends_at = self.secret_rotation_ends_at.isoformat()
        else:
            secret_rotation_ends_at = self.secret_rotation_ends_at

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "livemode": livemode,
                "id": id,
                "url": url,
                "description": description,
                "enabled_events": enabled_events,
                "enabled": enabled,
                "disabled_reason": disabled_reason,
                "disabled_at": disabled_at,
                "secret_rotation_ends_at": secret_rotation_ends_at,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        livemode = d.pop("livemode")

        id = d.pop("id")

        url = d.pop("url")

        description = d.pop("description")

        enabled_events = cast(list[str], d.pop("enabled_events"))

        enabled = d.pop("enabled")

        def _parse_disabled_reason(data: object) -> BlankEnum | DisabledReasonEnum:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                disabled_reason_type_0 = DisabledReasonEnum(data)

                return disabled_reason_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, str):
                raise TypeError()
            disabled_reason_type_1 = BlankEnum(data)

            return disabled_reason_type_1

        disabled_reason = _parse_disabled_reason(d.pop("disabled_reason"))

        def _parse_disabled_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                disabled_at_type_0 = datetime.datetime.fromisoformat(data)

                return disabled_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        disabled_at = _parse_disabled_at(d.pop("disabled_at"))

        def _parse_secret_rotation_ends_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                secret_rotation_ends_at_type_0 = datetime.datetime.fromisoformat(data)

                return secret_rotation_ends_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        secret_rotation_ends_at = _parse_secret_rotation_ends_at(
            d.pop("secret_rotation_ends_at")
        )

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        endpoint_output = cls(
            livemode=livemode,
            id=id,
            url=url,
            description=description,
            enabled_events=enabled_events,
            enabled=enabled,
            disabled_reason=disabled_reason,
            disabled_at=disabled_at,
            secret_rotation_ends_at=secret_rotation_ends_at,
            created_at=created_at,
            updated_at=updated_at,
        )

        endpoint_output.additional_properties = d
        return endpoint_output

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
