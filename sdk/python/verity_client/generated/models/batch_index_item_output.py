from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.batch_index_item_output_status_enum import BatchIndexItemOutputStatusEnum
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.duplicate_output import DuplicateOutput


T = TypeVar("T", bound="BatchIndexItemOutput")


@_attrs_define
class BatchIndexItemOutput:
    """An API resource: every one says whether it is live or test-mode data (docs/test-mode.md).

    Attributes:
        livemode (bool): true: live data (a vk_live_ key); false: test-mode data (a vk_test_ key). The two never mix.
        line (int): The manifest's line number, from 1.
        external_id (str):
        s3_key (str):
        status (BatchIndexItemOutputStatusEnum): * `pending` - Pending
            * `indexing` - Indexing
            * `indexed` - Indexed
            * `failed` - Failed
        adopted (bool):
        error_code (str):
        error_detail (str):
        duplicates (list[DuplicateOutput]): Other subjects whose face matches this one's (flags only).
        subject_id (None | str | Unset):
        face_id (None | str | Unset):
    """

    livemode: bool
    line: int
    external_id: str
    s3_key: str
    status: BatchIndexItemOutputStatusEnum
    adopted: bool
    error_code: str
    error_detail: str
    duplicates: list[DuplicateOutput]
    subject_id: None | str | Unset = UNSET
    face_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        livemode = self.livemode

        line = self.line

        external_id = self.external_id

        s3_key = self.s3_key

        status = self.status.value

        adopted = self.adopted

        error_code = self.error_code

        error_detail = self.error_detail

        duplicates = []
        for duplicates_item_data in self.duplicates:
            duplicates_item = duplicates_item_data.to_dict()
            duplicates.append(duplicates_item)

        subject_id: None | str | Unset
        if isinstance(self.subject_id, Unset):
            subject_id = UNSET
        else:
            subject_id = self.subject_id

        face_id: None | str | Unset
        if isinstance(self.face_id, Unset):
            face_id = UNSET
        else:
            face_id = self.face_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "livemode": livemode,
                "line": line,
                "external_id": external_id,
                "s3_key": s3_key,
                "status": status,
                "adopted": adopted,
                "error_code": error_code,
                "error_detail": error_detail,
                "duplicates": duplicates,
            }
        )
        if subject_id is not UNSET:
            field_dict["subject_id"] = subject_id
        if face_id is not UNSET:
            field_dict["face_id"] = face_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.duplicate_output import DuplicateOutput

        d = dict(src_dict)
        livemode = d.pop("livemode")

        line = d.pop("line")

        external_id = d.pop("external_id")

        s3_key = d.pop("s3_key")

        status = BatchIndexItemOutputStatusEnum(d.pop("status"))

        adopted = d.pop("adopted")

        error_code = d.pop("error_code")

        error_detail = d.pop("error_detail")

        duplicates = []
        _duplicates = d.pop("duplicates")
        for duplicates_item_data in _duplicates:
            duplicates_item = DuplicateOutput.from_dict(duplicates_item_data)

            duplicates.append(duplicates_item)

        def _parse_subject_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        subject_id = _parse_subject_id(d.pop("subject_id", UNSET))

        def _parse_face_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        face_id = _parse_face_id(d.pop("face_id", UNSET))

        batch_index_item_output = cls(
            livemode=livemode,
            line=line,
            external_id=external_id,
            s3_key=s3_key,
            status=status,
            adopted=adopted,
            error_code=error_code,
            error_detail=error_detail,
            duplicates=duplicates,
            subject_id=subject_id,
            face_id=face_id,
        )

        batch_index_item_output.additional_properties = d
        return batch_index_item_output

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
