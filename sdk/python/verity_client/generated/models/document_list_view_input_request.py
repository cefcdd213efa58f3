from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.image_json_input_request import ImageJsonInputRequest


T = TypeVar("T", bound="DocumentListViewInputRequest")


@_attrs_define
class DocumentListViewInputRequest:
    """
    Attributes:
        image (ImageJsonInputRequest):
    """

    image: ImageJsonInputRequest

    def to_dict(self) -> dict[str, Any]:
        image = self.image.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "image": image,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.image_json_input_request import ImageJsonInputRequest

        d = dict(src_dict)
        image = ImageJsonInputRequest.from_dict(d.pop("image"))

        document_list_view_input_request = cls(
            image=image,
        )

        return document_list_view_input_request
