from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.subject_list_view_input_request_metadata import (
        SubjectListViewInputRequestMetadata,
    )
    from ..models.subject_list_view_input_request_sensitive_metadata import (
        SubjectListViewInputRequestSensitiveMetadata,
    )


T = TypeVar("T", bound="SubjectListViewInputRequest")


@_attrs_define
class SubjectListViewInputRequest:
    """
    Attributes:
        external_id (None | str | Unset):
        metadata (SubjectListViewInputRequestMetadata | Unset): Any JSON object up to 4096 bytes.
        sensitive_metadata (SubjectListViewInputRequestSensitiveMetadata | Unset): Like metadata (up to 4096 bytes), but
            stored encrypted under your KMS key.
    """

    external_id: None | str | Unset = UNSET
    metadata: SubjectListViewInputRequestMetadata | Unset = UNSET
    sensitive_metadata: SubjectListViewInputRequestSensitiveMetadata | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        external_id: None | str | Unset
        if isinstance(self.external_id, Unset):
            external_id = UNSET
        else:
            external_id = self.external_id

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        sensitive_metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.sensitive_metadata, Unset):
            sensitive_metadata = self.sensitive_metadata.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if external_id is not UNSET:
            field_dict["external_id"] = external_id
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if sensitive_metadata is not UNSET:
            field_dict["sensitive_metadata"] = sensitive_metadata

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.subject_list_view_input_request_metadata import (
            SubjectListViewInputRequestMetadata,
        )
        from ..models.subject_list_view_input_request_sensitive_metadata import (
            SubjectListViewInputRequestSensitiveMetadata,
        )

        d = dict(src_dict)

        def _parse_external_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        external_id = _parse_external_id(d.pop("external_id", UNSET))

        _metadata = d.pop("metadata", UNSET)
        metadata: SubjectListViewInputRequestMetadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = SubjectListViewInputRequestMetadata.from_dict(_metadata)

        _sensitive_metadata = d.pop("sensitive_metadata", UNSET)
        sensitive_metadata: SubjectListViewInputRequestSensitiveMetadata | Unset
        if isinstance(_sensitive_metadata, Unset):
            sensitive_metadata = UNSET
        else:
            sensitive_metadata = SubjectListViewInputRequestSensitiveMetadata.from_dict(
                _sensitive_metadata
            )

        subject_list_view_input_request = cls(
            external_id=external_id,
            metadata=metadata,
            sensitive_metadata=sensitive_metadata,
        )

        return subject_list_view_input_request
