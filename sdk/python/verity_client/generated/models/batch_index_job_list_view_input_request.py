from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.batch_index_job_list_view_input_format_enum import (
    BatchIndexJobListViewInputFormatEnum,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.consent_terms_input_request import ConsentTermsInputRequest
    from ..models.s3_object_input_request import S3ObjectInputRequest


T = TypeVar("T", bound="BatchIndexJobListViewInputRequest")


@_attrs_define
class BatchIndexJobListViewInputRequest:
    """
    Attributes:
        manifest (S3ObjectInputRequest): An object in the tenant's own bucket, given by reference; validated into
            Rekognition's ``S3Object`` shape.
        format_ (BatchIndexJobListViewInputFormatEnum | Unset): * `csv` - csv
            * `jsonl` - jsonl
        consent (ConsentTermsInputRequest | Unset):
    """

    manifest: S3ObjectInputRequest
    format_: BatchIndexJobListViewInputFormatEnum | Unset = UNSET
    consent: ConsentTermsInputRequest | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        manifest = self.manifest.to_dict()

        format_: str | Unset = UNSET
        if not isinstance(self.format_, Unset):
            format_ = self.format_.value

        consent: dict[str, Any] | Unset = UNSET
        if not isinstance(self.consent, Unset):
            consent = self.consent.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "manifest": manifest,
            }
        )
        if format_ is not UNSET:
            field_dict["format"] = format_
        if consent is not UNSET:
            field_dict["consent"] = consent

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.consent_terms_input_request import ConsentTermsInputRequest
        from ..models.s3_object_input_request import S3ObjectInputRequest

        d = dict(src_dict)
        manifest = S3ObjectInputRequest.from_dict(d.pop("manifest"))

        _format_ = d.pop("format", UNSET)
        format_: BatchIndexJobListViewInputFormatEnum | Unset
        if isinstance(_format_, Unset):
            format_ = UNSET
        else:
            format_ = BatchIndexJobListViewInputFormatEnum(_format_)

        _consent = d.pop("consent", UNSET)
        consent: ConsentTermsInputRequest | Unset
        if isinstance(_consent, Unset):
            consent = UNSET
        else:
            consent = ConsentTermsInputRequest.from_dict(_consent)

        batch_index_job_list_view_input_request = cls(
            manifest=manifest,
            format_=format_,
            consent=consent,
        )

        return batch_index_job_list_view_input_request
