from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.method_enum import MethodEnum

T = TypeVar("T", bound="ConsentTermsInputRequest")


@_attrs_define
class ConsentTermsInputRequest:
    """
    Attributes:
        text_version (str): The version of the consent text the people saw.
        method (MethodEnum): * `checkbox` - Checkbox
            * `signature` - Signature
            * `verbal` - Verbal
            * `written` - Written
    """

    text_version: str
    method: MethodEnum

    def to_dict(self) -> dict[str, Any]:
        text_version = self.text_version

        method = self.method.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "text_version": text_version,
                "method": method,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        text_version = d.pop("text_version")

        method = MethodEnum(d.pop("method"))

        consent_terms_input_request = cls(
            text_version=text_version,
            method=method,
        )

        return consent_terms_input_request
