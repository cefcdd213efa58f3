from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="AttemptOutput")


@_attrs_define
class AttemptOutput:
    """An API resource: every one says whether it is live or test-mode data (docs/test-mode.md).

    Attributes:
        livemode (bool): true: live data (a vk_live_ key); false: test-mode data (a vk_test_ key). The two never mix.
        id (str):
        event_id (str):
        event_type (str):
        url (str):
        succeeded (bool): The receiver answered 2xx.
        status_code (int | None): null: no answer (see error_code).
        error_code (str): Why there was no answer: timeout, connection_failed, forbidden_address, unresolvable,
            secret_unavailable (nothing was sent); '' otherwise.
        latency_ms (int):
        response_body (str): The first 1,024 bytes of the answer.
        attempted_at (datetime.datetime):
    """

    livemode: bool
    id: str
    event_id: str
    event_type: str
    url: str
    succeeded: bool
    status_code: int | None
    error_code: str
    latency_ms: int
    response_body: str
    attempted_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        livemode = self.livemode

        id = self.id

        event_id = self.event_id

        event_type = self.event_type

        url = self.url

        succeeded = self.succeeded

        status_code: int | None
        status_code = self.status_code

        error_code = self.error_code

        latency_ms = self.latency_ms

        response_body = self.response_body

        attempted_at = self.attempted_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "livemode": livemode,
                "id": id,
                "event_id": event_id,
                "event_type": event_type,
                "url": url,
                "succeeded": succeeded,
                "status_code": status_code,
                "error_code": error_code,
                "latency_ms": latency_ms,
                "response_body": response_body,
                "attempted_at": attempted_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        livemode = d.pop("livemode")

        id = d.pop("id")

        event_id = d.pop("event_id")

        event_type = d.pop("event_type")

        url = d.pop("url")

        succeeded = d.pop("succeeded")

        def _parse_status_code(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        status_code = _parse_status_code(d.pop("status_code"))

        error_code = d.pop("error_code")

        latency_ms = d.pop("latency_ms")

        response_body = d.pop("response_body")

        attempted_at = datetime.datetime.fromisoformat(d.pop("attempted_at"))

        attempt_output = cls(
            livemode=livemode,
            id=id,
            event_id=event_id,
            event_type=event_type,
            url=url,
            succeeded=succeeded,
            status_code=status_code,
            error_code=error_code,
            latency_ms=latency_ms,
            response_body=response_body,
            attempted_at=attempted_at,
        )

        attempt_output.additional_properties = d
        return attempt_output

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
