from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.export_output_filters import ExportOutputFilters


T = TypeVar("T", bound="ExportOutput")


@_attrs_define
class ExportOutput:
    """An API resource: every one says whether it is live or test-mode data (docs/test-mode.md).

    Attributes:
        livemode (bool): true: live data (a vk_live_ key); false: test-mode data (a vk_test_ key). The two never mix.
        id (str):
        status (str):
        format_ (str):
        start_time (datetime.datetime):
        end_time (datetime.datetime):
        filters (ExportOutputFilters):
        record_count (int | None):
        file_count (int | None):
        error (str): When failed: what went wrong, in general terms.
        error_code (str): When failed: `export_failed`; otherwise empty.
        created_at (datetime.datetime):
        finished_at (datetime.datetime | None):
        download_url (None | str): When completed: a link valid for an hour to a .tar (CloudTrail layout) or .csv file.
    """

    livemode: bool
    id: str
    status: str
    format_: str
    start_time: datetime.datetime
    end_time: datetime.datetime
    filters: ExportOutputFilters
    record_count: int | None
    file_count: int | None
    error: str
    error_code: str
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    download_url: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        livemode = self.livemode

        id = self.id

        status = self.status

        format_ = self.format_

        start_time = self.start_time.isoformat()

        end_time = self.end_time.isoformat()

        filters = self.filters.to_dict()

        record_count: int | None
        record_count = self.record_count

        file_count: int | None
        file_count = self.file_count

        error = self.error

        error_code = self.error_code

        created_at = self.created_at.isoformat()

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        download_url: None | str
        download_url = self.download_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "livemode": livemode,
                "id": id,
                "status": status,
                "format": format_,
                "start_time": start_time,
                "end_time": end_time,
                "filters": filters,
                "record_count": record_count,
                "file_count": file_count,
                "error": error,
                "error_code": error_code,
                "created_at": created_at,
                "finished_at": finished_at,
                "download_url": download_url,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.export_output_filters import ExportOutputFilters

        d = dict(src_dict)
        livemode = d.pop("livemode")

        id = d.pop("id")

        status = d.pop("status")

        format_ = d.pop("format")

        start_time = datetime.datetime.fromisoformat(d.pop("start_time"))

        end_time = datetime.datetime.fromisoformat(d.pop("end_time"))

        filters = ExportOutputFilters.from_dict(d.pop("filters"))

        def _parse_record_count(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        record_count = _parse_record_count(d.pop("record_count"))

        def _parse_file_count(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        file_count = _parse_file_count(d.pop("file_count"))

        error = d.pop("error")

        error_code = d.pop("error_code")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

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

        def _parse_download_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        download_url = _parse_download_url(d.pop("download_url"))

        export_output = cls(
            livemode=livemode,
            id=id,
            status=status,
            format_=format_,
            start_time=start_time,
            end_time=end_time,
            filters=filters,
            record_count=record_count,
            file_count=file_count,
            error=error,
            error_code=error_code,
            created_at=created_at,
            finished_at=finished_at,
            download_url=download_url,
        )

        export_output.additional_properties = d
        return export_output

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
