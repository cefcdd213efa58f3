from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.mrz_output import MrzOutput
    from ..models.problem_output import ProblemOutput


T = TypeVar("T", bound="DocumentOutput")


@_attrs_define
class DocumentOutput:
    """An API resource: every one says whether it is live or test-mode data (docs/test-mode.md).

    Attributes:
        livemode (bool): true: live data (a vk_live_ key); false: test-mode data (a vk_test_ key). The two never mix.
        id (str):
        valid (bool): An MRZ was read, is valid, unexpired and matches the page.
        lines (list[str]): The page's lines of text, top first.
        mrz (MrzOutput | None):
        problems (list[ProblemOutput]):
        created_at (datetime.datetime):
    """

    livemode: bool
    id: str
    valid: bool
    lines: list[str]
    mrz: MrzOutput | None
    problems: list[ProblemOutput]
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.mrz_output import MrzOutput

        livemode = self.livemode

        id = self.id

        valid = self.valid

        lines = self.lines

        mrz: dict[str, Any] | None
        if isinstance(self.mrz, MrzOutput):
            mrz = self.mrz.to_dict()
        else:
            mrz = self.mrz

        problems = []
        for problems_item_data in self.problems:
            problems_item = problems_item_data.to_dict()
            problems.append(problems_item)

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "livemode": livemode,
                "id": id,
                "valid": valid,
                "lines": lines,
                "mrz": mrz,
                "problems": problems,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.mrz_output import MrzOutput
        from ..models.problem_output import ProblemOutput

        d = dict(src_dict)
        livemode = d.pop("livemode")

        id = d.pop("id")

        valid = d.pop("valid")

        lines = cast(list[str], d.pop("lines"))

        def _parse_mrz(data: object) -> MrzOutput | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                mrz_type_1 = MrzOutput.from_dict(data)

                return mrz_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(MrzOutput | None, data)

        mrz = _parse_mrz(d.pop("mrz"))

        problems = []
        _problems = d.pop("problems")
        for problems_item_data in _problems:
            problems_item = ProblemOutput.from_dict(problems_item_data)

            problems.append(problems_item)

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        document_output = cls(
            livemode=livemode,
            id=id,
            valid=valid,
            lines=lines,
            mrz=mrz,
            problems=problems,
            created_at=created_at,
        )

        document_output.additional_properties = d
        return document_output

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
