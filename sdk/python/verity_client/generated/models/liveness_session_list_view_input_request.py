from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="LivenessSessionListViewInputRequest")


@_attrs_define
class LivenessSessionListViewInputRequest:
    """
    Attributes:
        subject_id (str | Unset): The subject it is for: then it needs an active consent.
    """

    subject_id: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        subject_id = self.subject_id

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if subject_id is not UNSET:
            field_dict["subject_id"] = subject_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        subject_id = d.pop("subject_id", UNSET)

        liveness_session_list_view_input_request = cls(
            subject_id=subject_id,
        )

        return liveness_session_list_view_input_request
