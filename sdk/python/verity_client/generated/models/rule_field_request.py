from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RuleFieldRequest")


@_attrs_define
class RuleFieldRequest:
    """Either two thresholds or ``ignore: true``.

    Attributes:
        review_at (float | Unset):
        reject_at (float | Unset):
        ignore (bool | Unset):
    """

    review_at: float | Unset = UNSET
    reject_at: float | Unset = UNSET
    ignore: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        review_at = self.review_at

        reject_at = self.reject_at

        ignore = self.ignore

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if review_at is not UNSET:
            field_dict["review_at"] = review_at
        if reject_at is not UNSET:
            field_dict["reject_at"] = reject_at
        if ignore is not UNSET:
            field_dict["ignore"] = ignore

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        review_at = d.pop("review_at", UNSET)

        reject_at = d.pop("reject_at", UNSET)

        ignore = d.pop("ignore", UNSET)

        rule_field_request = cls(
            review_at=review_at,
            reject_at=reject_at,
            ignore=ignore,
        )

        return rule_field_request
