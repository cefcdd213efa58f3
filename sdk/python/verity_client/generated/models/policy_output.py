from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.policy_output_categories import PolicyOutputCategories


T = TypeVar("T", bound="PolicyOutput")


@_attrs_define
class PolicyOutput:
    """An API resource: every one says whether it is live or test-mode data (docs/test-mode.md).

    Attributes:
        livemode (bool): true: live data (a vk_live_ key); false: test-mode data (a vk_test_ key). The two never mix.
        version (int):
        taxonomy_version (str): The moderation taxonomy the categories follow.
        categories (PolicyOutputCategories): Every top-level category: {review_at, reject_at} or {ignore: true}.
        created_by (str):
        created_at (datetime.datetime):
    """

    livemode: bool
    version: int
    taxonomy_version: str
    categories: PolicyOutputCategories
    created_by: str
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        livemode = self.livemode

        version = self.version

        taxonomy_version = self.taxonomy_version

        categories = self.categories.to_dict()

        created_by = self.created_by

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "livemode": livemode,
                "version": version,
                "taxonomy_version": taxonomy_version,
                "categories": categories,
                "created_by": created_by,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.policy_output_categories import PolicyOutputCategories

        d = dict(src_dict)
        livemode = d.pop("livemode")

        version = d.pop("version")

        taxonomy_version = d.pop("taxonomy_version")

        categories = PolicyOutputCategories.from_dict(d.pop("categories"))

        created_by = d.pop("created_by")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        policy_output = cls(
            livemode=livemode,
            version=version,
            taxonomy_version=taxonomy_version,
            categories=categories,
            created_by=created_by,
            created_at=created_at,
        )

        policy_output.additional_properties = d
        return policy_output

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
