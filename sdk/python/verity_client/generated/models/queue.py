from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Queue")


@_attrs_define
class Queue:
    """
    Attributes:
        open_ (int):
        oldest_age_seconds (int | None):
        overdue (int): Open longer than VERITY_REVIEW_SLA_HOURS.
    """

    open_: int
    oldest_age_seconds: int | None
    overdue: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        open_ = self.open_

        oldest_age_seconds: int | None
        oldest_age_seconds = self.oldest_age_seconds

        overdue = self.overdue

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "open": open_,
                "oldest_age_seconds": oldest_age_seconds,
                "overdue": overdue,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        open_ = d.pop("open")

        def _parse_oldest_age_seconds(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        oldest_age_seconds = _parse_oldest_age_seconds(d.pop("oldest_age_seconds"))

        overdue = d.pop("overdue")

        queue = cls(
            open_=open_,
            oldest_age_seconds=oldest_age_seconds,
            overdue=overdue,
        )

        queue.additional_properties = d
        return queue

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
