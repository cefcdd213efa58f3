from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from .. import types
from ..models.type_enum import TypeEnum
from ..types import UNSET, File, FileTypes, Unset

T = TypeVar("T", bound="VerificationListViewMultipartInputRequest")


@_attrs_define
class VerificationListViewMultipartInputRequest:
    """
    Attributes:
        type_ (TypeEnum): * `registration` - Registration
            * `authentication` - Authentication
            * `photo_update` - Photo update
            * `identification` - Identification
        subject_id (str | Unset):
        selfie (File | Unset): The selfie, a JPEG or PNG file; required unless liveness_session_id is given.
        id_document (File | Unset):
        liveness_session_id (str | Unset):
        document_id (str | Unset):
    """

    type_: TypeEnum
    subject_id: str | Unset = UNSET
    selfie: File | Unset = UNSET
    id_document: File | Unset = UNSET
    liveness_session_id: str | Unset = UNSET
    document_id: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_.value

        subject_id = self.subject_id

        selfie: FileTypes | Unset = UNSET
        if not isinstance(self.selfie, Unset):
            selfie = self.selfie.to_tuple()

        id_document: FileTypes | Unset = UNSET
        if not isinstance(self.id_document, Unset):
            id_document = self.id_document.to_tuple()

        liveness_session_id = self.liveness_session_id

        document_id = self.document_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "type": type_,
            }
        )
        if subject_id is not UNSET:
            field_dict["subject_id"] = subject_id
        if selfie is not UNSET:
            field_dict["selfie"] = selfie
        if id_document is not UNSET:
            field_dict["id_document"] = id_document
        if liveness_session_id is not UNSET:
            field_dict["liveness_session_id"] = liveness_session_id
        if document_id is not UNSET:
            field_dict["document_id"] = document_id

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        files.append(("type", (None, str(self.type_.value).encode(), "text/plain")))

        if not isinstance(self.subject_id, Unset):
            files.append(
                ("subject_id", (None, str(self.subject_id).encode(), "text/plain"))
            )

        if not isinstance(self.selfie, Unset):
            files.append(("selfie", self.selfie.to_tuple()))

        if not isinstance(self.id_document, Unset):
            files.append(("id_document", self.id_document.to_tuple()))

        if not isinstance(self.liveness_session_id, Unset):
            files.append(
                (
                    "liveness_session_id",
                    (None, str(self.liveness_session_id).encode(), "text/plain"),
                )
            )

        if not isinstance(self.document_id, Unset):
            files.append(
                ("document_id", (None, str(self.document_id).encode(), "text/plain"))
            )

        return files

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        type_ = TypeEnum(d.pop("type"))

        subject_id = d.pop("subject_id", UNSET)

        _selfie = d.pop("selfie", UNSET)
        selfie: File | Unset
        if isinstance(_selfie, Unset):
            selfie = UNSET
        else:
            selfie = File(payload=BytesIO(_selfie))

        _id_document = d.pop("id_document", UNSET)
        id_document: File | Unset
        if isinstance(_id_document, Unset):
            id_document = UNSET
        else:
            id_document = File(payload=BytesIO(_id_document))

        liveness_session_id = d.pop("liveness_session_id", UNSET)

        document_id = d.pop("document_id", UNSET)

        verification_list_view_multipart_input_request = cls(
            type_=type_,
            subject_id=subject_id,
            selfie=selfie,
            id_document=id_document,
            liveness_session_id=liveness_session_id,
            document_id=document_id,
        )

        return verification_list_view_multipart_input_request
