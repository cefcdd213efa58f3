from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.rule_field_request import RuleFieldRequest


T = TypeVar("T", bound="PolicyViewInputRequestCategories")


@_attrs_define
class PolicyViewInputRequestCategories:
    """Rules by top-level category (Explicit, Non-Explicit Nudity of Intimate parts and Kissing, Swimwear or Underwear,
    Violence, Visually Disturbing, Drugs & Tobacco, Alcohol, Rude Gestures, Gambling, Hate Symbols); a category not
    named gets the defaults (review_at 60, reject_at 80). review_at <= reject_at.

    """

    additional_properties: dict[str, RuleFieldRequest] = _attrs_field(
        init=False, factory=dict
    )

    def to_dict(self) -> dict[str, Any]:

        field_dict: dict[str, Any] = {}
        for prop_name, prop in self.additional_properties.items():
            field_dict[prop_name] = prop.to_dict()

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.rule_field_request import RuleFieldRequest

        d = dict(src_dict)
        policy_view_input_request_categories = cls()

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional_property = RuleFieldRequest.from_dict(prop_dict)

            additional_properties[prop_name] = additional_property

        policy_view_input_request_categories.additional_properties = (
            additional_properties
        )
        return policy_view_input_request_categories

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> RuleFieldRequest:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: RuleFieldRequest) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
