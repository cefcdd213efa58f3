from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Reviews")


@_attrs_define
class Reviews:
    """
    Attributes:
        category (str):
        approved (int):
        rejected (int):
        agreement (float): Share of reviewed results the reviewer rejected, confirming the policy's flag: low means
            review_at is too low for this category.
    """

    category: str
    approved: int
    rejected: int
    agreement: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        category = self.category

        approved = self.approved

        rejected = self.rejected

        agreement = self.agreement

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "category": category,
                "approved": approved,
                "rejected": rejected,
                "agreement": agreement,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        category = d.pop("category")

        approved = d.pop("approved")

        rejected = d.pop("rejected")

        agreement = d.pop("agreement")

        reviews = cls(
            category=category,
            approved=approved,
            rejected=rejected,
            agreement=agreement,
        )

        reviews.additional_properties = d
        return reviews

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
