from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.policy_view_input_request_categories import (
        PolicyViewInputRequestCategories,
    )


T = TypeVar("T", bound="PolicyViewInputRequest")


@_attrs_define
class PolicyViewInputRequest:
    """
    Attributes:
        categories (PolicyViewInputRequestCategories): Rules by top-level category (Explicit, Non-Explicit Nudity of
            Intimate parts and Kissing, Swimwear or Underwear, Violence, Visually Disturbing, Drugs & Tobacco, Alcohol, Rude
            Gestures, Gambling, Hate Symbols); a category not named gets the defaults (review_at 60, reject_at 80).
            review_at <= reject_at.
    """

    categories: PolicyViewInputRequestCategories

    def to_dict(self) -> dict[str, Any]:
        categories = self.categories.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "categories": categories,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.policy_view_input_request_categories import (
            PolicyViewInputRequestCategories,
        )

        d = dict(src_dict)
        categories = PolicyViewInputRequestCategories.from_dict(d.pop("categories"))

        policy_view_input_request = cls(
            categories=categories,
        )

        return policy_view_input_request
