from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ConsentWithdrawOutput")


@_attrs_define
class ConsentWithdrawOutput:
    """
    Attributes:
        id (str):
        subject_id (str):
        withdrawn_at (datetime.datetime):
        erasure_id (None | str | Unset): The erasure this started: the subject has no other active biometric consent.
    """

    id: str
    subject_id: str
    withdrawn_at: datetime.datetime
    erasure_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        subject_id = self.subject_id

        withdrawn_at = self.withdrawn_at.isoformat()

        erasure_id: None | str | Unset
        if isinstance(self.erasure_id, Unset):
            erasure_id = UNSET
        else:
            erasure_id = self.erasure_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "subject_id": subject_id,
                "withdrawn_at": withdrawn_at,
            }
        )
        if erasure_id is not UNSET:
            field_dict["erasure_id"] = erasure_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        subject_id = d.pop("subject_id")

        withdrawn_at = datetime.datetime.fromisoformat(d.pop("withdrawn_at"))

        def _parse_erasure_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        erasure_id = _parse_erasure_id(d.pop("erasure_id", UNSET))

        consent_withdraw_output = cls(
            id=id,
            subject_id=subject_id,
            withdrawn_at=withdrawn_at,
            erasure_id=erasure_id,
        )

        consent_withdraw_output.additional_properties = d
        return consent_withdraw_output

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
