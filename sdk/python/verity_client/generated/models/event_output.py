from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.event_output_request_parameters_type_0 import (
        EventOutputRequestParametersType0,
    )
    from ..models.event_output_resources_item import EventOutputResourcesItem
    from ..models.event_output_response_elements_type_0 import (
        EventOutputResponseElementsType0,
    )
    from ..models.event_output_user_identity import EventOutputUserIdentity


T = TypeVar("T", bound="EventOutput")


@_attrs_define
class EventOutput:
    """A CloudTrail record, exactly as stored and exported (no livemode: a test key's records are its twin's).

    Attributes:
        event_version (str):
        user_identity (EventOutputUserIdentity):
        event_time (str): UTC, YYYY-MM-DDTHH:MM:SSZ
        event_source (str):
        event_name (str):
        aws_region (str):
        source_ip_address (None | str):
        user_agent (None | str):
        request_parameters (EventOutputRequestParametersType0 | None):
        response_elements (EventOutputResponseElementsType0 | None):
        request_id (None | str):
        event_id (UUID):
        read_only (bool):
        resources (list[EventOutputResourcesItem]):
        event_type (str):
        management_event (bool):
        event_category (str):
        recipient_account_id (str):
        error_code (str | Unset): Only on failed calls.
        error_message (None | str | Unset): Only on failed calls.
    """

    event_version: str
    user_identity: EventOutputUserIdentity
    event_time: str
    event_source: str
    event_name: str
    aws_region: str
    source_ip_address: None | str
    user_agent: None | str
    request_parameters: EventOutputRequestParametersType0 | None
    response_elements: EventOutputResponseElementsType0 | None
    request_id: None | str
    event_id: UUID
    read_only: bool
    resources: list[EventOutputResourcesItem]
    event_type: str
    management_event: bool
    event_category: str
    recipient_account_id: str
    error_code: str | Unset = UNSET
    error_message: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.event_output_request_parameters_type_0 import (
            EventOutputRequestParametersType0,
        )
        from ..models.event_output_response_elements_type_0 import (
            EventOutputResponseElementsType0,
        )

        event_version = self.event_version

        user_identity = self.user_identity.to_dict()

        event_time = self.event_time

        event_source = self.event_source

        event_name = self.event_name

        aws_region = self.aws_region

        source_ip_address: None | str
        source_ip_address = self.source_ip_address

        user_agent: None | str
        user_agent = self.user_agent

        request_parameters: dict[str, Any] | None
        if isinstance(self.request_parameters, EventOutputRequestParametersType0):
            request_parameters = self.request_parameters.to_dict()
        else:
            request_parameters = self.request_parameters

        response_elements: dict[str, Any] | None
        if isinstance(self.response_elements, EventOutputResponseElementsType0):
            response_elements = self.response_elements.to_dict()
        else:
            response_elements = self.response_elements

        request_id: None | str
        request_id = self.request_id

        event_id = str(self.event_id)

        read_only = self.read_only

        resources = []
        for resources_item_data in self.resources:
            resources_item = resources_item_data.to_dict()
            resources.append(resources_item)

        event_type = self.event_type

        management_event = self.management_event

        event_category = self.event_category

        recipient_account_id = self.recipient_account_id

        error_code = self.error_code

        error_message: None | str | Unset
        if isinstance(self.error_message, Unset):
            error_message = UNSET
        else:
            error_message = self.error_message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "eventVersion": event_version,
                "userIdentity": user_identity,
                "eventTime": event_time,
                "eventSource": event_source,
                "eventName": event_name,
                "awsRegion": aws_region,
                "sourceIPAddress": source_ip_address,
                "userAgent": user_agent,
                "requestParameters": request_parameters,
                "responseElements": response_elements,
                "requestID": request_id,
                "eventID": event_id,
                "readOnly": read_only,
                "resources": resources,
                "eventType": event_type,
                "managementEvent": management_event,
                "eventCategory": event_category,
                "recipientAccountId": recipient_account_id,
            }
        )
        if error_code is not UNSET:
            field_dict["errorCode"] = error_code
        if error_message is not UNSET:
            field_dict["errorMessage"] = error_message

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.event_output_request_parameters_type_0 import (
            EventOutputRequestParametersType0,
        )
        from ..models.event_output_resources_item import EventOutputResourcesItem
        from ..models.event_output_response_elements_type_0 import (
            EventOutputResponseElementsType0,
        )
        from ..models.event_output_user_identity import EventOutputUserIdentity

        d = dict(src_dict)
        event_version = d.pop("eventVersion")

        user_identity = EventOutputUserIdentity.from_dict(d.pop("userIdentity"))

        event_time = d.pop("eventTime")

        event_source = d.pop("eventSource")

        event_name = d.pop("eventName")

        aws_region = d.pop("awsRegion")

        def _parse_source_ip_address(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        source_ip_address = _parse_source_ip_address(d.pop("sourceIPAddress"))

        def _parse_user_agent(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        user_agent = _parse_user_agent(d.pop("userAgent"))

        def _parse_request_parameters(
            data: object,
        ) -> EventOutputRequestParametersType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                request_parameters_type_0 = EventOutputRequestParametersType0.from_dict(
                    data
                )

                return request_parameters_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EventOutputRequestParametersType0 | None, data)

        request_parameters = _parse_request_parameters(d.pop("requestParameters"))

        def _parse_response_elements(
            data: object,
        ) -> EventOutputResponseElementsType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_elements_type_0 = EventOutputResponseElementsType0.from_dict(
                    data
                )

                return response_elements_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EventOutputResponseElementsType0 | None, data)

        response_elements = _parse_response_elements(d.pop("responseElements"))

        def _parse_request_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        request_id = _parse_request_id(d.pop("requestID"))

        event_id = UUID(d.pop("eventID"))

        read_only = d.pop("readOnly")

        resources = []
        _resources = d.pop("resources")
        for resources_item_data in _resources:
            resources_item = EventOutputResourcesItem.from_dict(resources_item_data)

            resources.append(resources_item)

        event_type = d.pop("eventType")

        management_event = d.pop("managementEvent")

        event_category = d.pop("eventCategory")

        recipient_account_id = d.pop("recipientAccountId")

        error_code = d.pop("errorCode", UNSET)

        def _parse_error_message(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error_message = _parse_error_message(d.pop("errorMessage", UNSET))

        event_output = cls(
            event_version=event_version,
            user_identity=user_identity,
            event_time=event_time,
            event_source=event_source,
            event_name=event_name,
            aws_region=aws_region,
            source_ip_address=source_ip_address,
            user_agent=user_agent,
            request_parameters=request_parameters,
            response_elements=response_elements,
            request_id=request_id,
            event_id=event_id,
            read_only=read_only,
            resources=resources,
            event_type=event_type,
            management_event=management_event,
            event_category=event_category,
            recipient_account_id=recipient_account_id,
            error_code=error_code,
            error_message=error_message,
        )

        event_output.additional_properties = d
        return event_output

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
