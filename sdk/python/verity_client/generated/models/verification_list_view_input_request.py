from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.type_enum import TypeEnum
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.image_json_input_request import ImageJsonInputRequest


T = TypeVar("T", bound="VerificationListViewInputRequest")


@_attrs_define
class VerificationListViewInputRequest:
    """
    Attributes:
        type_ (TypeEnum): * `registration` - Registration
            * `authentication` - Authentication
            * `photo_update` - Photo update
            * `identification` - Identification
        subject_id (str | Unset):
        selfie (ImageJsonInputRequest | Unset):
        id_document (ImageJsonInputRequest | Unset):
        liveness_session_id (str | Unset):
        document_id (str | Unset):
    """

    type_: TypeEnum
    subject_id: str | Unset = UNSET
    selfie: ImageJsonInputRequest | Unset = UNSET
    id_document: ImageJsonInputRequest | Unset = UNSET
    liveness_session_id: str | Unset = UNSET
    document_id: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_.value

        subject_id = self.subject_id

        selfie: dict[str, Any] | Unset = UNSET
        if not isinstance(self.selfie, Unset):
            selfie = self.selfie.to_dict()

        id_document: dict[str, Any] | Unset = UNSET
        if not isinstance(self.id_document, Unset):
            id_document = self.id_document.to_dict()

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

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.image_json_input_request import ImageJsonInputRequest

        d = dict(src_dict)
        type_ = TypeEnum(d.pop("type"))

        subject_id = d.pop("subject_id", UNSET)

        _selfie = d.pop("selfie", UNSET)
        selfie: ImageJsonInputRequest | Unset
        if isinstance(_selfie, Unset):
            selfie = UNSET
        else:
            selfie = ImageJsonInputRequest.from_dict(_selfie)

        _id_document = d.pop("id_document", UNSET)
        id_document: ImageJsonInputRequest | Unset
        if isinstance(_id_document, Unset):
            id_document = UNSET
        else:
            id_document = ImageJsonInputRequest.from_dict(_id_document)

        liveness_session_id = d.pop("liveness_session_id", UNSET)

        document_id = d.pop("document_id", UNSET)

        verification_list_view_input_request = cls(
            type_=type_,
            subject_id=subject_id,
            selfie=selfie,
            id_document=id_document,
            liveness_session_id=liveness_session_id,
            document_id=document_id,
        )

        return verification_list_view_input_request
