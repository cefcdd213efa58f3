from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.review_decision_view_input_decision_enum import (
    ReviewDecisionViewInputDecisionEnum,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="ReviewDecisionViewInputRequest")


@_attrs_define
class ReviewDecisionViewInputRequest:
    """
    Attributes:
        reviewer (str): The username of a staff user of your tenant with the reviewer role.
        decision (ReviewDecisionViewInputDecisionEnum): * `approve` - approve
            * `reject` - reject
        note (str | Unset):  Default: ''.
    """

    reviewer: str
    decision: ReviewDecisionViewInputDecisionEnum
    note: str | Unset = ""

    def to_dict(self) -> dict[str, Any]:
        reviewer = self.reviewer

        decision = self.decision.value

        note = self.note

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "reviewer": reviewer,
                "decision": decision,
            }
        )
        if note is not UNSET:
            field_dict["note"] = note

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        reviewer = d.pop("reviewer")

        decision = ReviewDecisionViewInputDecisionEnum(d.pop("decision"))

        note = d.pop("note", UNSET)

        review_decision_view_input_request = cls(
            reviewer=reviewer,
            decision=decision,
            note=note,
        )

        return review_decision_view_input_request
