from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PublicKeyOutput")


@_attrs_define
class PublicKeyOutput:
    """
    Attributes:
        fingerprint (str): Hex MD5 of the PKCS#1 DER public key.
        value (str): Base64 PKCS#1 DER RSA public key.
        validity_start_time (str):
        validity_end_time (None | str):
    """

    fingerprint: str
    value: str
    validity_start_time: str
    validity_end_time: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        fingerprint = self.fingerprint

        value = self.value

        validity_start_time = self.validity_start_time

        validity_end_time: None | str
        validity_end_time = self.validity_end_time

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "Fingerprint": fingerprint,
                "Value": value,
                "ValidityStartTime": validity_start_time,
                "ValidityEndTime": validity_end_time,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        fingerprint = d.pop("Fingerprint")

        value = d.pop("Value")

        validity_start_time = d.pop("ValidityStartTime")

        def _parse_validity_end_time(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        validity_end_time = _parse_validity_end_time(d.pop("ValidityEndTime"))

        public_key_output = cls(
            fingerprint=fingerprint,
            value=value,
            validity_start_time=validity_start_time,
            validity_end_time=validity_end_time,
        )

        public_key_output.additional_properties = d
        return public_key_output

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
