from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.consent_output import ConsentOutput
    from ..models.document_output import DocumentOutput
    from ..models.face_output import FaceOutput
    from ..models.stored_object_output import StoredObjectOutput
    from ..models.subject_output import SubjectOutput
    from ..models.verification_output import VerificationOutput


T = TypeVar("T", bound="SubjectExportOutput")


@_attrs_define
class SubjectExportOutput:
    """
    Attributes:
        exported_at (datetime.datetime):
        subject (SubjectOutput): An API resource: every one says whether it is live or test-mode data (docs/test-
            mode.md).
        consents (list[ConsentOutput]):
        verifications (list[VerificationOutput]):
        documents (list[DocumentOutput]):
        faces (list[FaceOutput]):
        stored_objects (list[StoredObjectOutput]):
    """

    exported_at: datetime.datetime
    subject: SubjectOutput
    consents: list[ConsentOutput]
    verifications: list[VerificationOutput]
    documents: list[DocumentOutput]
    faces: list[FaceOutput]
    stored_objects: list[StoredObjectOutput]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        exported_at = self.exported_at.isoformat()

        subject = self.subject.to_dict()

        consents = []
        for consents_item_data in self.consents:
            consents_item = consents_item_data.to_dict()
            consents.append(consents_item)

        verifications = []
        for verifications_item_data in self.verifications:
            verifications_item = verifications_item_data.to_dict()
            verifications.append(verifications_item)

        documents = []
        for documents_item_data in self.documents:
            documents_item = documents_item_data.to_dict()
            documents.append(documents_item)

        faces = []
        for faces_item_data in self.faces:
            faces_item = faces_item_data.to_dict()
            faces.append(faces_item)

        stored_objects = []
        for stored_objects_item_data in self.stored_objects:
            stored_objects_item = stored_objects_item_data.to_dict()
            stored_objects.append(stored_objects_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "exported_at": exported_at,
                "subject": subject,
                "consents": consents,
                "verifications": verifications,
                "documents": documents,
                "faces": faces,
                "stored_objects": stored_objects,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.consent_output import ConsentOutput
        from ..models.document_output import DocumentOutput
        from ..models.face_output import FaceOutput
        from ..models.stored_object_output import StoredObjectOutput
        from ..models.subject_output import SubjectOutput
        from ..models.verification_output import VerificationOutput

        d = dict(src_dict)
        exported_at = datetime.datetime.fromisoformat(d.pop("exported_at"))

        subject = SubjectOutput.from_dict(d.pop("subject"))

        consents = []
        _consents = d.pop("consents")
        for consents_item_data in _consents:
            consents_item = ConsentOutput.from_dict(consents_item_data)

            consents.append(consents_item)

        verifications = []
        _verifications = d.pop("verifications")
        for verifications_item_data in _verifications:
            verifications_item = VerificationOutput.from_dict(verifications_item_data)

            verifications.append(verifications_item)

        documents = []
        _documents = d.pop("documents")
        for documents_item_data in _documents:
            documents_item = DocumentOutput.from_dict(documents_item_data)

            documents.append(documents_item)

        faces = []
        _faces = d.pop("faces")
        for faces_item_data in _faces:
            faces_item = FaceOutput.from_dict(faces_item_data)

            faces.append(faces_item)

        stored_objects = []
        _stored_objects = d.pop("stored_objects")
        for stored_objects_item_data in _stored_objects:
            stored_objects_item = StoredObjectOutput.from_dict(stored_objects_item_data)

            stored_objects.append(stored_objects_item)

        subject_export_output = cls(
            exported_at=exported_at,
            subject=subject,
            consents=consents,
            verifications=verifications,
            documents=documents,
            faces=faces,
            stored_objects=stored_objects,
        )

        subject_export_output.additional_properties = d
        return subject_export_output

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
