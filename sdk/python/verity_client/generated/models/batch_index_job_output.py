from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.batch_index_job_output_status_enum import BatchIndexJobOutputStatusEnum

if TYPE_CHECKING:
    from ..models.counts_output import CountsOutput
    from ..models.error_output import ErrorOutput
    from ..models.manifest_output import ManifestOutput


T = TypeVar("T", bound="BatchIndexJobOutput")


@_attrs_define
class BatchIndexJobOutput:
    """An API resource: every one says whether it is live or test-mode data (docs/test-mode.md).

    Attributes:
        livemode (bool): true: live data (a vk_live_ key); false: test-mode data (a vk_test_ key). The two never mix.
        id (str):
        status (BatchIndexJobOutputStatusEnum): * `pending` - Pending
            * `indexing` - Indexing
            * `deduplicating` - Looking for duplicates
            * `completed` - Completed
            * `failed` - Failed
        manifest (ManifestOutput):
        format_ (str):
        counts (CountsOutput):
        error (ErrorOutput | None): Why the whole job failed (its manifest); else null.
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        started_at (datetime.datetime | None):
        finished_at (datetime.datetime | None):
    """

    livemode: bool
    id: str
    status: BatchIndexJobOutputStatusEnum
    manifest: ManifestOutput
    format_: str
    counts: CountsOutput
    error: ErrorOutput | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.error_output import ErrorOutput

        livemode = self.livemode

        id = self.id

        status = self.status.value

        manifest = self.manifest.to_dict()

        format_ = self.format_

        counts = self.counts.to_dict()

        error: dict[str, Any] | None
        if isinstance(self.error, ErrorOutput):
            error = self.error.to_dict()
        else:
            error = self.error

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "livemode": livemode,
                "id": id,
                "status": status,
                "manifest": manifest,
                "format": format_,
                "counts": counts,
                "error": error,
                "created_at": created_at,
                "updated_at": updated_at,
                "started_at": started_at,
                "finished_at": finished_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.counts_output import CountsOutput
        from ..models.error_output import ErrorOutput
        from ..models.manifest_output import ManifestOutput

        d = dict(src_dict)
        livemode = d.pop("livemode")

        id = d.pop("id")

        status = BatchIndexJobOutputStatusEnum(d.pop("status"))

        manifest = ManifestOutput.from_dict(d.pop("manifest"))

        format_ = d.pop("format")

        counts = CountsOutput.from_dict(d.pop("counts"))

        def _parse_error(data: object) -> ErrorOutput | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                error_type_1 = ErrorOutput.from_dict(data)

                return error_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ErrorOutput | None, data)

        error = _parse_error(d.pop("error"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_started_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        started_at = _parse_started_at(d.pop("started_at"))

        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        batch_index_job_output = cls(
            livemode=livemode,
            id=id,
            status=status,
            manifest=manifest,
            format_=format_,
            counts=counts,
            error=error,
            created_at=created_at,
            updated_at=updated_at,
            started_at=started_at,
            finished_at=finished_at,
        )

        batch_index_job_output.additional_properties = d
        return batch_index_job_output

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
