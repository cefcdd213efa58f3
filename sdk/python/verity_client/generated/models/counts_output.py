from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CountsOutput")


@_attrs_define
class CountsOutput:
    """
    Attributes:
        total (int): Lines of the manifest (blank lines and a CSV header aside).
        pending (int):
        indexing (int): Claimed by a worker; an IndexFaces call may be in flight.
        indexed (int):
        failed (int): See the items with ?status=failed for each one's code.
        adopted (int): Indexed items whose face an interrupted attempt had indexed: adopted, not indexed twice.
        flagged (int): Indexed items whose face matches another subject's.
    """

    total: int
    pending: int
    indexing: int
    indexed: int
    failed: int
    adopted: int
    flagged: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        total = self.total

        pending = self.pending

        indexing = self.indexing

        indexed = self.indexed

        failed = self.failed

        adopted = self.adopted

        flagged = self.flagged

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "total": total,
                "pending": pending,
                "indexing": indexing,
                "indexed": indexed,
                "failed": failed,
                "adopted": adopted,
                "flagged": flagged,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        total = d.pop("total")

        pending = d.pop("pending")

        indexing = d.pop("indexing")

        indexed = d.pop("indexed")

        failed = d.pop("failed")

        adopted = d.pop("adopted")

        flagged = d.pop("flagged")

        counts_output = cls(
            total=total,
            pending=pending,
            indexing=indexing,
            indexed=indexed,
            failed=failed,
            adopted=adopted,
            flagged=flagged,
        )

        counts_output.additional_properties = d
        return counts_output

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
