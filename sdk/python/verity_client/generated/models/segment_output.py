from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.segment_output_decision_enum import SegmentOutputDecisionEnum

if TYPE_CHECKING:
    from ..models.label_output import LabelOutput


T = TypeVar("T", bound="SegmentOutput")


@_attrs_define
class SegmentOutput:
    """
    Attributes:
        timestamp_ms (int):
        decision (SegmentOutputDecisionEnum): * `approve` - Approve
            * `review` - Review
            * `reject` - Reject
        labels (list[LabelOutput]):
    """

    timestamp_ms: int
    decision: SegmentOutputDecisionEnum
    labels: list[LabelOutput]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        timestamp_ms = self.timestamp_ms

        decision = self.decision.value

        labels = []
        for labels_item_data in self.labels:
            labels_item = labels_item_data.to_dict()
            labels.append(labels_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "timestamp_ms": timestamp_ms,
                "decision": decision,
                "labels": labels,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.label_output import LabelOutput

        d = dict(src_dict)
        timestamp_ms = d.pop("timestamp_ms")

        decision = SegmentOutputDecisionEnum(d.pop("decision"))

        labels = []
        _labels = d.pop("labels")
        for labels_item_data in _labels:
            labels_item = LabelOutput.from_dict(labels_item_data)

            labels.append(labels_item)

        segment_output = cls(
            timestamp_ms=timestamp_ms,
            decision=decision,
            labels=labels,
        )

        segment_output.additional_properties = d
        return segment_output

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
