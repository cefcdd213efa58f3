from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.outcome_enum import OutcomeEnum
from ..types import UNSET, Unset

T = TypeVar("T", bound="ExportListViewInputFiltersRequest")


@_attrs_define
class ExportListViewInputFiltersRequest:
    """
    Attributes:
        event_name (str | Unset):
        event_source (str | Unset):
        principal (str | Unset): userIdentity.principalId, e.g. an API key's prefix.
        outcome (OutcomeEnum | Unset): * `success` - success
            * `error` - error
        request_id (str | Unset):
        read_only (bool | None | Unset): true: only reads; false: only writes.
    """

    event_name: str | Unset = UNSET
    event_source: str | Unset = UNSET
    principal: str | Unset = UNSET
    outcome: OutcomeEnum | Unset = UNSET
    request_id: str | Unset = UNSET
    read_only: bool | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        event_name = self.event_name

        event_source = self.event_source

        principal = self.principal

        outcome: str | Unset = UNSET
        if not isinstance(self.outcome, Unset):
            outcome = self.outcome.value

        request_id = self.request_id

        read_only: bool | None | Unset
        if isinstance(self.read_only, Unset):
            read_only = UNSET
        else:
            read_only = self.read_only

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if event_name is not UNSET:
            field_dict["event_name"] = event_name
        if event_source is not UNSET:
            field_dict["event_source"] = event_source
        if principal is not UNSET:
            field_dict["principal"] = principal
        if outcome is not UNSET:
            field_dict["outcome"] = outcome
        if request_id is not UNSET:
            field_dict["request_id"] = request_id
        if read_only is not UNSET:
            field_dict["read_only"] = read_only

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        event_name = d.pop("event_name", UNSET)

        event_source = d.pop("event_source", UNSET)

        principal = d.pop("principal", UNSET)

        _outcome = d.pop("outcome", UNSET)
        outcome: OutcomeEnum | Unset
        if isinstance(_outcome, Unset):
            outcome = UNSET
        else:
            outcome = OutcomeEnum(_outcome)

        request_id = d.pop("request_id", UNSET)

        def _parse_read_only(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        read_only = _parse_read_only(d.pop("read_only", UNSET))

        export_list_view_input_filters_request = cls(
            event_name=event_name,
            event_source=event_source,
            principal=principal,
            outcome=outcome,
            request_id=request_id,
            read_only=read_only,
        )

        return export_list_view_input_filters_request
