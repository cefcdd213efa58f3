from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="LabelOutput")


@_attrs_define
class LabelOutput:
    """
    Attributes:
        name (str):
        parent_name (str): Empty for a top-level category.
        taxonomy_level (int | None):
        confidence (float):
        category (str): The top-level category the label belongs to.
    """

    name: str
    parent_name: str
    taxonomy_level: int | None
    confidence: float
    category: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        parent_name = self.parent_name

        taxonomy_level: int | None
        taxonomy_level = self.taxonomy_level

        confidence = self.confidence

        category = self.category

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "parent_name": parent_name,
                "taxonomy_level": taxonomy_level,
                "confidence": confidence,
                "category": category,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        name = d.pop("name")

        parent_name = d.pop("parent_name")

        def _parse_taxonomy_level(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        taxonomy_level = _parse_taxonomy_level(d.pop("taxonomy_level"))

        confidence = d.pop("confidence")

        category = d.pop("category")

        label_output = cls(
            name=name,
            parent_name=parent_name,
            taxonomy_level=taxonomy_level,
            confidence=confidence,
            category=category,
        )

        label_output.additional_properties = d
        return label_output

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
