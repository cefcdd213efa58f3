from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from .. import types
from ..types import UNSET, File, Unset

T = TypeVar("T", bound="ImageListViewMultipartInputRequest")


@_attrs_define
class ImageListViewMultipartInputRequest:
    """
    Attributes:
        image (File): The JPEG or PNG file.
        external_ref (str | Unset):
        metadata (Any | Unset): A JSON object, as text.
    """

    image: File
    external_ref: str | Unset = UNSET
    metadata: Any | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        image = self.image.to_tuple()

        external_ref = self.external_ref

        metadata = self.metadata

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "image": image,
            }
        )
        if external_ref is not UNSET:
            field_dict["external_ref"] = external_ref
        if metadata is not UNSET:
            field_dict["metadata"] = metadata

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        files.append(("image", self.image.to_tuple()))

        if not isinstance(self.external_ref, Unset):
            files.append(
                ("external_ref", (None, str(self.external_ref).encode(), "text/plain"))
            )

        if not isinstance(self.metadata, Unset):
            files.append(
                ("metadata", (None, str(self.metadata).encode(), "text/plain"))
            )

        return files

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        image = File(payload=BytesIO(d.pop("image")))

        external_ref = d.pop("external_ref", UNSET)

        metadata = d.pop("metadata", UNSET)

        image_list_view_multipart_input_request = cls(
            image=image,
            external_ref=external_ref,
            metadata=metadata,
        )

        return image_list_view_multipart_input_request
