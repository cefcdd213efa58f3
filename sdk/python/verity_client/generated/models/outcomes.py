from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Outcomes")


@_attrs_define
class Outcomes:
    """
    Attributes:
        approved (int):
        rejected (int):
        needs_review (int):
        failed (int):
        abandoned (int):
        in_progress (int):
        total (int):
    """

    approved: int
    rejected: int
    needs_review: int
    failed: int
    abandoned: int
    in_progress: int
    total: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        approved = self.approved

        rejected = self.rejected

        needs_review = self.needs_review

        failed = self.failed

        abandoned = self.abandoned

        in_progress = self.in_progress

        total = self.total

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "approved": approved,
                "rejected": rejected,
                "needs_review": needs_review,
                "failed": failed,
                "abandoned": abandoned,
                "in_progress": in_progress,
                "total": total,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        approved = d.pop("approved")

        rejected = d.pop("rejected")

        needs_review = d.pop("needs_review")

        failed = d.pop("failed")

        abandoned = d.pop("abandoned")

        in_progress = d.pop("in_progress")

        total = d.pop("total")

        outcomes = cls(
            approved=approved,
            rejected=rejected,
            needs_review=needs_review,
            failed=failed,
            abandoned=abandoned,
            in_progress=in_progress,
            total=total,
        )

        outcomes.additional_properties = d
        return outcomes

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
