from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.export_list_view_input_format_enum import ExportListViewInputFormatEnum
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.export_list_view_input_filters_request import (
        ExportListViewInputFiltersRequest,
    )


T = TypeVar("T", bound="ExportListViewInputRequest")


@_attrs_define
class ExportListViewInputRequest:
    """
    Attributes:
        start_time (datetime.datetime): A whole UTC hour, inclusive.
        end_time (datetime.datetime): A whole UTC hour, exclusive; at most 366 days later.
        format_ (ExportListViewInputFormatEnum | Unset): * `cloudtrail` - CloudTrail layout
            * `csv` - CSV Default: ExportListViewInputFormatEnum.CLOUDTRAIL.
        filters (ExportListViewInputFiltersRequest | Unset):
    """

    start_time: datetime.datetime
    end_time: datetime.datetime
    format_: ExportListViewInputFormatEnum | Unset = (
        ExportListViewInputFormatEnum.CLOUDTRAIL
    )
    filters: ExportListViewInputFiltersRequest | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        start_time = self.start_time.isoformat()

        end_time = self.end_time.isoformat()

        format_: str | Unset = UNSET
        if not isinstance(self.format_, Unset):
            format_ = self.format_.value

        filters: dict[str, Any] | Unset = UNSET
        if not isinstance(self.filters, Unset):
            filters = self.filters.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "start_time": start_time,
                "end_time": end_time,
            }
        )
        if format_ is not UNSET:
            field_dict["format"] = format_
        if filters is not UNSET:
            field_dict["filters"] = filters

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.export_list_view_input_filters_request import (
            ExportListViewInputFiltersRequest,
        )

        d = dict(src_dict)
        start_time = datetime.datetime.fromisoformat(d.pop("start_time"))

        end_time = datetime.datetime.fromisoformat(d.pop("end_time"))

        _format_ = d.pop("format", UNSET)
        format_: ExportListViewInputFormatEnum | Unset
        if isinstance(_format_, Unset):
            format_ = UNSET
        else:
            format_ = ExportListViewInputFormatEnum(_format_)

        _filters = d.pop("filters", UNSET)
        filters: ExportListViewInputFiltersRequest | Unset
        if isinstance(_filters, Unset):
            filters = UNSET
        else:
            filters = ExportListViewInputFiltersRequest.from_dict(_filters)

        export_list_view_input_request = cls(
            start_time=start_time,
            end_time=end_time,
            format_=format_,
            filters=filters,
        )

        return export_list_view_input_request
