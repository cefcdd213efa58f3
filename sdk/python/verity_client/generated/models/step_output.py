from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.step_output_result import StepOutputResult


T = TypeVar("T", bound="StepOutput")


@_attrs_define
class StepOutput:
    """
    Attributes:
        name (str):
        status (str):
        reason_code (str):
        attempts (int):
        started_at (datetime.datetime):
        finished_at (datetime.datetime | None):
        result (StepOutputResult): A summary of the engine's answer (similarity, matched subject, quality figures);
            never image bytes or face vectors.
    """

    name: str
    status: str
    reason_code: str
    attempts: int
    started_at: datetime.datetime
    finished_at: datetime.datetime | None
    result: StepOutputResult
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        status = self.status

        reason_code = self.reason_code

        attempts = self.attempts

        started_at = self.started_at.isoformat()

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        result = self.result.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "status": status,
                "reason_code": reason_code,
                "attempts": attempts,
                "started_at": started_at,
                "finished_at": finished_at,
                "result": result,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.step_output_result import StepOutputResult

        d = dict(src_dict)
        name = d.pop("name")

        status = d.pop("status")

        reason_code = d.pop("reason_code")

        attempts = d.pop("attempts")

        started_at = datetime.datetime.fromisoformat(d.pop("started_at"))

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

        result = StepOutputResult.from_dict(d.pop("result"))

        step_output = cls(
            name=name,
            status=status,
            reason_code=reason_code,
            attempts=attempts,
            started_at=started_at,
            finished_at=finished_at,
            result=result,
        )

        step_output.additional_properties = d
        return step_output

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
