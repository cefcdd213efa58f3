from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ReviewClaimViewInputRequest")


@_attrs_define
class ReviewClaimViewInputRequest:
    """
    Attributes:
        reviewer (str): The username of a staff user of your tenant with the reviewer role.
    """

    reviewer: str

    def to_dict(self) -> dict[str, Any]:
        reviewer = self.reviewer

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "reviewer": reviewer,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        reviewer = d.pop("reviewer")

        review_claim_view_input_request = cls(
            reviewer=reviewer,
        )

        return review_claim_view_input_request
