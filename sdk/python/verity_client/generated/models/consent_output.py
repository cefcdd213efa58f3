from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ConsentOutput")


@_attrs_define
class ConsentOutput:
    """An API resource: every one says whether it is live or test-mode data (docs/test-mode.md).

    Attributes:
        livemode (bool): true: live data (a vk_live_ key); false: test-mode data (a vk_test_ key). The two never mix.
        id (str):
        subject_id (str):
        purpose (str):
        text_version (str):
        method (str):
        granted_at (datetime.datetime):
        source_ip (None | str):
        expires_at (datetime.datetime | None):
        withdrawn_at (datetime.datetime | None):
        reference (str): Your reference to your record of the consent, when a batch manifest carried it.
        active (bool):
        created_at (datetime.datetime):
    """

    livemode: bool
    id: str
    subject_id: str
    purpose: str
    text_version: str
    method: str
    granted_at: datetime.datetime
    source_ip: None | str
    expires_at: datetime.datetime | None
    withdrawn_at: datetime.datetime | None
    reference: str
    active: bool
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        livemode = self.livemode

        id = self.id

        subject_id = self.subject_id

        purpose = self.purpose

        text_version = self.text_version

        method = self.method

        granted_at = self.granted_at.isoformat()

        source_ip: None | str
        source_ip = self.source_ip

        expires_at: None | str
        if isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        withdrawn_at: None | str
        if isinstance(self.withdrawn_at, datetime.datetime):
            withdrawn_at = self.withdrawn_at.isoformat()
        else:
            withdrawn_at = self.withdrawn_at

        reference = self.reference

        active = self.active

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "livemode": livemode,
                "id": id,
                "subject_id": subject_id,
                "purpose": purpose,
                "text_version": text_version,
                "method": method,
                "granted_at": granted_at,
                "source_ip": source_ip,
                "expires_at": expires_at,
                "withdrawn_at": withdrawn_at,
                "reference": reference,
                "active": active,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        livemode = d.pop("livemode")

        id = d.pop("id")

        subject_id = d.pop("subject_id")

        purpose = d.pop("purpose")

        text_version = d.pop("text_version")

        method = d.pop("method")

        granted_at = datetime.datetime.fromisoformat(d.pop("granted_at"))

        def _parse_source_ip(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        source_ip = _parse_source_ip(d.pop("source_ip"))

        def _parse_expires_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        expires_at = _parse_expires_at(d.pop("expires_at"))

        def _parse_withdrawn_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                withdrawn_at_type_0 = datetime.datetime.fromisoformat(data)

                return withdrawn_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        withdrawn_at = _parse_withdrawn_at(d.pop("withdrawn_at"))

        reference = d.pop("reference")

        active = d.pop("active")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        consent_output = cls(
            livemode=livemode,
            id=id,
            subject_id=subject_id,
            purpose=purpose,
            text_version=text_version,
            method=method,
            granted_at=granted_at,
            source_ip=source_ip,
            expires_at=expires_at,
            withdrawn_at=withdrawn_at,
            reference=reference,
            active=active,
            created_at=created_at,
        )

        consent_output.additional_properties = d
        return consent_output

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
