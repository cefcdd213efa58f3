from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ConsentWithdrawViewInputRequest")


@_attrs_define
class ConsentWithdrawViewInputRequest:
    """No fields: the withdrawal's time and requester are the request's."""

    def to_dict(self) -> dict[str, Any]:

        field_dict: dict[str, Any] = {}

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        consent_withdraw_view_input_request = cls()

        return consent_withdraw_view_input_request
