from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="MrzChecksOutput")


@_attrs_define
class MrzChecksOutput:
    """
    Attributes:
        document_number (bool):
        birth_date (bool):
        expiry_date (bool):
        composite (bool):
        optional_data (bool | Unset): TD3 only.
    """

    document_number: bool
    birth_date: bool
    expiry_date: bool
    composite: bool
    optional_data: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        document_number = self.document_number

        birth_date = self.birth_date

        expiry_date = self.expiry_date

        composite = self.composite

        optional_data = self.optional_data

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "document_number": document_number,
                "birth_date": birth_date,
                "expiry_date": expiry_date,
                "composite": composite,
            }
        )
        if optional_data is not UNSET:
            field_dict["optional_data"] = optional_data

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        document_number = d.pop("document_number")

        birth_date = d.pop("birth_date")

        expiry_date = d.pop("expiry_date")

        composite = d.pop("composite")

        optional_data = d.pop("optional_data", UNSET)

        mrz_checks_output = cls(
            document_number=document_number,
            birth_date=birth_date,
            expiry_date=expiry_date,
            composite=composite,
            optional_data=optional_data,
        )

        mrz_checks_output.additional_properties = d
        return mrz_checks_output

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
