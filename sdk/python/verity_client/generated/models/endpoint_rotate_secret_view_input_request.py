from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="EndpointRotateSecretViewInputRequest")


@_attrs_define
class EndpointRotateSecretViewInputRequest:
    """
    Attributes:
        overlap_seconds (int | Unset): How long the current secret keeps signing beside the new one (default 86400; 0:
            not at all).
    """

    overlap_seconds: int | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        overlap_seconds = self.overlap_seconds

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if overlap_seconds is not UNSET:
            field_dict["overlap_seconds"] = overlap_seconds

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        overlap_seconds = d.pop("overlap_seconds", UNSET)

        endpoint_rotate_secret_view_input_request = cls(
            overlap_seconds=overlap_seconds,
        )

        return endpoint_rotate_secret_view_input_request
