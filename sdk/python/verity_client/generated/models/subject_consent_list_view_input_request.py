from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.method_enum import MethodEnum
from ..models.purpose_enum import PurposeEnum
from ..types import UNSET, Unset

T = TypeVar("T", bound="SubjectConsentListViewInputRequest")


@_attrs_define
class SubjectConsentListViewInputRequest:
    """
    Attributes:
        purpose (PurposeEnum): * `biometric_verification` - Biometric verification
        text_version (str): The version of the consent text shown.
        method (MethodEnum): * `checkbox` - Checkbox
            * `signature` - Signature
            * `verbal` - Verbal
            * `written` - Written
        expires_at (datetime.datetime | None | Unset): In the future; null or absent: until withdrawn.
    """

    purpose: PurposeEnum
    text_version: str
    method: MethodEnum
    expires_at: datetime.datetime | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        purpose = self.purpose.value

        text_version = self.text_version

        method = self.method.value

        expires_at: None | str | Unset
        if isinstance(self.expires_at, Unset):
            expires_at = UNSET
        elif isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "purpose": purpose,
                "text_version": text_version,
                "method": method,
            }
        )
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        purpose = PurposeEnum(d.pop("purpose"))

        text_version = d.pop("text_version")

        method = MethodEnum(d.pop("method"))

        def _parse_expires_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        expires_at = _parse_expires_at(d.pop("expires_at", UNSET))

        subject_consent_list_view_input_request = cls(
            purpose=purpose,
            text_version=text_version,
            method=method,
            expires_at=expires_at,
        )

        return subject_consent_list_view_input_request
