from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.duplicates import Duplicates
    from ..models.faces import Faces
    from ..models.quality_failure import QualityFailure
    from ..models.reason import Reason
    from ..models.similarity import Similarity
    from ..models.step import Step
    from ..models.verifications import Verifications


T = TypeVar("T", bound="KpisOutput")


@_attrs_define
class KpisOutput:
    """A report's period, ``from`` and ``to``; a report's output serializer extends it.

    Attributes:
        to (datetime.datetime):
        abandoned_after_hours (int):
        verifications (Verifications):
        steps (list[Step]): Verifications that ended unapproved, by the step they ended at.
        reasons (list[Reason]): The reasons of those verifications, by status, step and code.
        duplicates (Duplicates):
        quality_failures (list[QualityFailure]): Failed quality checks by reason code.
        similarity (list[Similarity]): Similarities recorded by the steps that compare faces.
        faces (Faces):
        from_ (datetime.datetime):
    """

    to: datetime.datetime
    abandoned_after_hours: int
    verifications: Verifications
    steps: list[Step]
    reasons: list[Reason]
    duplicates: Duplicates
    quality_failures: list[QualityFailure]
    similarity: list[Similarity]
    faces: Faces
    from_: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        to = self.to.isoformat()

        abandoned_after_hours = self.abandoned_after_hours

        verifications = self.verifications.to_dict()

        steps = []
        for steps_item_data in self.steps:
            steps_item = steps_item_data.to_dict()
            steps.append(steps_item)

        reasons = []
        for reasons_item_data in self.reasons:
            reasons_item = reasons_item_data.to_dict()
            reasons.append(reasons_item)

        duplicates = self.duplicates.to_dict()

        quality_failures = []
        for quality_failures_item_data in self.quality_failures:
            quality_failures_item = quality_failures_item_data.to_dict()
            quality_failures.append(quality_failures_item)

        similarity = []
        for similarity_item_data in self.similarity:
            similarity_item = similarity_item_data.to_dict()
            similarity.append(similarity_item)

        faces = self.faces.to_dict()

        from_ = self.from_.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "to": to,
                "abandoned_after_hours": abandoned_after_hours,
                "verifications": verifications,
                "steps": steps,
                "reasons": reasons,
                "duplicates": duplicates,
                "quality_failures": quality_failures,
                "similarity": similarity,
                "faces": faces,
                "from": from_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.duplicates import Duplicates
        from ..models.faces import Faces
        from ..models.quality_failure import QualityFailure
        from ..models.reason import Reason
        from ..models.similarity import Similarity
        from ..models.step import Step
        from ..models.verifications import Verifications

        d = dict(src_dict)
        to = datetime.datetime.fromisoformat(d.pop("to"))

        abandoned_after_hours = d.pop("abandoned_after_hours")

        verifications = Verifications.from_dict(d.pop("verifications"))

        steps = []
        _steps = d.pop("steps")
        for steps_item_data in _steps:
            steps_item = Step.from_dict(steps_item_data)

            steps.append(steps_item)

        reasons = []
        _reasons = d.pop("reasons")
        for reasons_item_data in _reasons:
            reasons_item = Reason.from_dict(reasons_item_data)

            reasons.append(reasons_item)

        duplicates = Duplicates.from_dict(d.pop("duplicates"))

        quality_failures = []
        _quality_failures = d.pop("quality_failures")
        for quality_failures_item_data in _quality_failures:
            quality_failures_item = QualityFailure.from_dict(quality_failures_item_data)

            quality_failures.append(quality_failures_item)

        similarity = []
        _similarity = d.pop("similarity")
        for similarity_item_data in _similarity:
            similarity_item = Similarity.from_dict(similarity_item_data)

            similarity.append(similarity_item)

        faces = Faces.from_dict(d.pop("faces"))

        from_ = datetime.datetime.fromisoformat(d.pop("from"))

        kpis_output = cls(
            to=to,
            abandoned_after_hours=abandoned_after_hours,
            verifications=verifications,
            steps=steps,
            reasons=reasons,
            duplicates=duplicates,
            quality_failures=quality_failures,
            similarity=similarity,
            faces=faces,
            from_=from_,
        )

        kpis_output.additional_properties = d
        return kpis_output

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
