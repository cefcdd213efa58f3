from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Faces")


@_attrs_define
class Faces:
    """
    Attributes:
        indexed (int):
        updated (int): Replaced by a newer face (a photo update).
        deleted (int):
    """

    indexed: int
    updated: int
    deleted: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        indexed = self.indexed

        updated = self.updated

        deleted = self.deleted

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "indexed": indexed,
                "updated": updated,
                "deleted": deleted,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        indexed = d.pop("indexed")

        updated = d.pop("updated")

        deleted = d.pop("deleted")

        faces = cls(
            indexed=indexed,
            updated=updated,
            deleted=deleted,
        )

        faces.additional_properties = d
        return faces

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
