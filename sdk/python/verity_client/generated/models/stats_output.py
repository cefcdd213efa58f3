from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.count import Count
    from ..models.queue import Queue
    from ..models.reviews import Reviews
    from ..models.stats_output_outcomes import StatsOutputOutcomes


T = TypeVar("T", bound="StatsOutput")


@_attrs_define
class StatsOutput:
    """A report's period, ``from`` and ``to``; a report's output serializer extends it.

    Attributes:
        to (datetime.datetime):
        outcomes (StatsOutputOutcomes): approve, review, reject, failed.
        decisions (list[Count]):
        queue (Queue):
        reviews (list[Reviews]): Tasks decided in the period, by driving category.
        from_ (datetime.datetime):
    """

    to: datetime.datetime
    outcomes: StatsOutputOutcomes
    decisions: list[Count]
    queue: Queue
    reviews: list[Reviews]
    from_: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        to = self.to.isoformat()

        outcomes = self.outcomes.to_dict()

        decisions = []
        for decisions_item_data in self.decisions:
            decisions_item = decisions_item_data.to_dict()
            decisions.append(decisions_item)

        queue = self.queue.to_dict()

        reviews = []
        for reviews_item_data in self.reviews:
            reviews_item = reviews_item_data.to_dict()
            reviews.append(reviews_item)

        from_ = self.from_.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "to": to,
                "outcomes": outcomes,
                "decisions": decisions,
                "queue": queue,
                "reviews": reviews,
                "from": from_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.count import Count
        from ..models.queue import Queue
        from ..models.reviews import Reviews
        from ..models.stats_output_outcomes import StatsOutputOutcomes

        d = dict(src_dict)
        to = datetime.datetime.fromisoformat(d.pop("to"))

        outcomes = StatsOutputOutcomes.from_dict(d.pop("outcomes"))

        decisions = []
        _decisions = d.pop("decisions")
        for decisions_item_data in _decisions:
            decisions_item = Count.from_dict(decisions_item_data)

            decisions.append(decisions_item)

        queue = Queue.from_dict(d.pop("queue"))

        reviews = []
        _reviews = d.pop("reviews")
        for reviews_item_data in _reviews:
            reviews_item = Reviews.from_dict(reviews_item_data)

            reviews.append(reviews_item)

        from_ = datetime.datetime.fromisoformat(d.pop("from"))

        stats_output = cls(
            to=to,
            outcomes=outcomes,
            decisions=decisions,
            queue=queue,
            reviews=reviews,
            from_=from_,
        )

        stats_output.additional_properties = d
        return stats_output

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
