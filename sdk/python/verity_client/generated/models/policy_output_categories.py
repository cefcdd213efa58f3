from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.policy_output_categories_additional_property import (
        PolicyOutputCategoriesAdditionalProperty,
    )


T = TypeVar("T", bound="PolicyOutputCategories")


@_attrs_define
class PolicyOutputCategories:
    """Every top-level category: {review_at, reject_at} or {ignore: true}."""

    additional_properties: dict[str, PolicyOutputCategoriesAdditionalProperty] = (
        _attrs_field(init=False, factory=dict)
    )

    def to_dict(self) -> dict[str, Any]:

        field_dict: dict[str, Any] = {}
        for prop_name, prop in self.additional_properties.items():
            field_dict[prop_name] = prop.to_dict()

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.policy_output_categories_additional_property import (
            PolicyOutputCategoriesAdditionalProperty,
        )

        d = dict(src_dict)
        policy_output_categories = cls()

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional_property = PolicyOutputCategoriesAdditionalProperty.from_dict(
                prop_dict
            )

            additional_properties[prop_name] = additional_property

        policy_output_categories.additional_properties = additional_properties
        return policy_output_categories

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> PolicyOutputCategoriesAdditionalProperty:
        return self.additional_properties[key]

    def __setitem__(
        self, key: str, value: PolicyOutputCategoriesAdditionalProperty
    ) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
