from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.subject_output_metadata import SubjectOutputMetadata
    from ..models.subject_output_sensitive_metadata import (
        SubjectOutputSensitiveMetadata,
    )


T = TypeVar("T", bound="SubjectOutput")


@_attrs_define
class SubjectOutput:
    """An API resource: every one says whether it is live or test-mode data (docs/test-mode.md).

    Attributes:
        livemode (bool): true: live data (a vk_live_ key); false: test-mode data (a vk_test_ key). The two never mix.
        id (str):
        external_id (None | str):
        metadata (SubjectOutputMetadata):
        sensitive_metadata (SubjectOutputSensitiveMetadata): Stored encrypted under your tenant's KMS key; decrypted for
            you here.
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
    """

    livemode: bool
    id: str
    external_id: None | str
    metadata: SubjectOutputMetadata
    sensitive_metadata: SubjectOutputSensitiveMetadata
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        livemode = self.livemode

        id = self.id

        external_id: None | str
        external_id = self.external_id

        metadata = self.metadata.to_dict()

        sensitive_metadata = self.sensitive_metadata.to_dict()

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "livemode": livemode,
                "id": id,
                "external_id": external_id,
                "metadata": metadata,
                "sensitive_metadata": sensitive_metadata,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.subject_output_metadata import SubjectOutputMetadata
        from ..models.subject_output_sensitive_metadata import (
            SubjectOutputSensitiveMetadata,
        )

        d = dict(src_dict)
        livemode = d.pop("livemode")

        id = d.pop("id")

        def _parse_external_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        external_id = _parse_external_id(d.pop("external_id"))

        metadata = SubjectOutputMetadata.from_dict(d.pop("metadata"))

        sensitive_metadata = SubjectOutputSensitiveMetadata.from_dict(
            d.pop("sensitive_metadata")
        )

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        subject_output = cls(
            livemode=livemode,
            id=id,
            external_id=external_id,
            metadata=metadata,
            sensitive_metadata=sensitive_metadata,
            created_at=created_at,
            updated_at=updated_at,
        )

        subject_output.additional_properties = d
        return subject_output

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
