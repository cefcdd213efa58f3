from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.erasure_output_status_enum import ErasureOutputStatusEnum
from ..models.reason_enum import ReasonEnum

if TYPE_CHECKING:
    from ..models.store_output import StoreOutput


T = TypeVar("T", bound="ErasureOutput")


@_attrs_define
class ErasureOutput:
    """An API resource: every one says whether it is live or test-mode data (docs/test-mode.md).

    Attributes:
        livemode (bool): true: live data (a vk_live_ key); false: test-mode data (a vk_test_ key). The two never mix.
        id (str):
        subject_id (str):
        reason (ReasonEnum): * `request` - Erasure request
            * `consent_withdrawn` - Consent withdrawn
            * `consent_expired` - Consent expired
            * `retention` - Retention limit reached
            * `offboarding` - Tenant offboarded
        status (ErasureOutputStatusEnum): * `pending` - Pending
            * `running` - Running
            * `completed` - Completed
            * `failed` - Failed (retried)
        requested_by (str):
        requested_at (datetime.datetime):
        started_at (datetime.datetime | None):
        completed_at (datetime.datetime | None):
        attempts (int):
        last_error (str): The code that stopped the last attempt; empty when none did.
        stores (list[StoreOutput]):
        receipt_url (None | str): Where the signed receipt is, once completed.
    """

    livemode: bool
    id: str
    subject_id: str
    reason: ReasonEnum
    status: ErasureOutputStatusEnum
    requested_by: str
    requested_at: datetime.datetime
    started_at: datetime.datetime | None
    completed_at: datetime.datetime | None
    attempts: int
    last_error: str
    stores: list[StoreOutput]
    receipt_url: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        livemode = self.livemode

        id = self.id

        subject_id = self.subject_id

        reason = self.reason.value

        status = self.status.value

        requested_by = self.requested_by

        requested_at = self.requested_at.isoformat()

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        completed_at: None | str
        if isinstance(self.completed_at, datetime.datetime):
            completed_at = self.completed_at.isoformat()
        else:
            completed_at = self.completed_at

        attempts = self.attempts

        last_error = self.last_error

        stores = []
        for stores_item_data in self.stores:
            stores_item = stores_item_data.to_dict()
            stores.append(stores_item)

        receipt_url: None | str
        receipt_url = self.receipt_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "livemode": livemode,
                "id": id,
                "subject_id": subject_id,
                "reason": reason,
                "status": status,
                "requested_by": requested_by,
                "requested_at": requested_at,
                "started_at": started_at,
                "completed_at": completed_at,
                "attempts": attempts,
                "last_error": last_error,
                "stores": stores,
                "receipt_url": receipt_url,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.store_output import StoreOutput

        d = dict(src_dict)
        livemode = d.pop("livemode")

        id = d.pop("id")

        subject_id = d.pop("subject_id")

        reason = ReasonEnum(d.pop("reason"))

        status = ErasureOutputStatusEnum(d.pop("status"))

        requested_by = d.pop("requested_by")

        requested_at = datetime.datetime.fromisoformat(d.pop("requested_at"))

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

        def _parse_completed_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                completed_at_type_0 = datetime.datetime.fromisoformat(data)

                return completed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        completed_at = _parse_completed_at(d.pop("completed_at"))

        attempts = d.pop("attempts")

        last_error = d.pop("last_error")

        stores = []
        _stores = d.pop("stores")
        for stores_item_data in _stores:
            stores_item = StoreOutput.from_dict(stores_item_data)

            stores.append(stores_item)

        def _parse_receipt_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        receipt_url = _parse_receipt_url(d.pop("receipt_url"))

        erasure_output = cls(
            livemode=livemode,
            id=id,
            subject_id=subject_id,
            reason=reason,
            status=status,
            requested_by=requested_by,
            requested_at=requested_at,
            started_at=started_at,
            completed_at=completed_at,
            attempts=attempts,
            last_error=last_error,
            stores=stores,
            receipt_url=receipt_url,
        )

        erasure_output.additional_properties = d
        return erasure_output

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
