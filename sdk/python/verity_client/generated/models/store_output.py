from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="StoreOutput")


@_attrs_define
class StoreOutput:
    """
    Attributes:
        name (str):
        done (bool):
        deleted (int | None): Items deleted from this store (once done).
    """

    name: str
    done: bool
    deleted: int | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        done = self.done

        deleted: int | None
        deleted = self.deleted

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "done": done,
                "deleted": deleted,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        name = d.pop("name")

        done = d.pop("done")

        def _parse_deleted(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        deleted = _parse_deleted(d.pop("deleted"))

        store_output = cls(
            name=name,
            done=done,
            deleted=deleted,
        )

        store_output.additional_properties = d
        return store_output

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
