import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.audit_events_list_outcome import AuditEventsListOutcome
from ...models.event_page import EventPage
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    end_time: datetime.datetime | Unset = UNSET,
    event_name: str | Unset = UNSET,
    event_source: str | Unset = UNSET,
    outcome: AuditEventsListOutcome | Unset = UNSET,
    principal: str | Unset = UNSET,
    read_only: bool | None | Unset = UNSET,
    request_id: str | Unset = UNSET,
    start_time: datetime.datetime | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_end_time: str | Unset = UNSET
    if not isinstance(end_time, Unset):
        json_end_time = end_time.isoformat()
    params["end_time"] = json_end_time

    params["event_name"] = event_name

    params["event_source"] = event_source

    json_outcome: str | Unset = UNSET
    if not isinstance(outcome, Unset):
        json_outcome = outcome.value

    params["outcome"] = json_outcome

    params["principal"] = principal

    json_read_only: bool | None | Unset
    if isinstance(read_only, Unset):
        json_read_only = UNSET
    else:
        json_read_only = read_only
    params["read_only"] = json_read_only

    params["request_id"] = request_id

    json_start_time: str | Unset = UNSET
    if not isinstance(start_time, Unset):
        json_start_time = start_time.isoformat()
    params["start_time"] = json_start_time

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/audit/events",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> EventPage | Problem | None:
    if response.status_code == 200:
        response_200 = EventPage.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 405:
        response_405 = Problem.from_dict(response.json())

        return response_405

    if response.status_code == 406:
        response_406 = Problem.from_dict(response.json())

        return response_406

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[EventPage | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    end_time: datetime.datetime | Unset = UNSET,
    event_name: str | Unset = UNSET,
    event_source: str | Unset = UNSET,
    outcome: AuditEventsListOutcome | Unset = UNSET,
    principal: str | Unset = UNSET,
    read_only: bool | None | Unset = UNSET,
    request_id: str | Unset = UNSET,
    start_time: datetime.datetime | Unset = UNSET,
) -> Response[EventPage | Problem]:
    """The API view's hooks: claim in ``initial``, replay in ``handle_exception``, store or release at the
    end.

    Args:
        end_time (datetime.datetime | Unset):
        event_name (str | Unset):
        event_source (str | Unset):
        outcome (AuditEventsListOutcome | Unset):
        principal (str | Unset):
        read_only (bool | None | Unset):
        request_id (str | Unset):
        start_time (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EventPage | Problem]
    """

    kwargs = _get_kwargs(
        end_time=end_time,
        event_name=event_name,
        event_source=event_source,
        outcome=outcome,
        principal=principal,
        read_only=read_only,
        request_id=request_id,
        start_time=start_time,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    end_time: datetime.datetime | Unset = UNSET,
    event_name: str | Unset = UNSET,
    event_source: str | Unset = UNSET,
    outcome: AuditEventsListOutcome | Unset = UNSET,
    principal: str | Unset = UNSET,
    read_only: bool | None | Unset = UNSET,
    request_id: str | Unset = UNSET,
    start_time: datetime.datetime | Unset = UNSET,
) -> EventPage | Problem | None:
    """The API view's hooks: claim in ``initial``, replay in ``handle_exception``, store or release at the
    end.

    Args:
        end_time (datetime.datetime | Unset):
        event_name (str | Unset):
        event_source (str | Unset):
        outcome (AuditEventsListOutcome | Unset):
        principal (str | Unset):
        read_only (bool | None | Unset):
        request_id (str | Unset):
        start_time (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EventPage | Problem
    """

    return sync_detailed(
        client=client,
        end_time=end_time,
        event_name=event_name,
        event_source=event_source,
        outcome=outcome,
        principal=principal,
        read_only=read_only,
        request_id=request_id,
        start_time=start_time,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    end_time: datetime.datetime | Unset = UNSET,
    event_name: str | Unset = UNSET,
    event_source: str | Unset = UNSET,
    outcome: AuditEventsListOutcome | Unset = UNSET,
    principal: str | Unset = UNSET,
    read_only: bool | None | Unset = UNSET,
    request_id: str | Unset = UNSET,
    start_time: datetime.datetime | Unset = UNSET,
) -> Response[EventPage | Problem]:
    """The API view's hooks: claim in ``initial``, replay in ``handle_exception``, store or release at the
    end.

    Args:
        end_time (datetime.datetime | Unset):
        event_name (str | Unset):
        event_source (str | Unset):
        outcome (AuditEventsListOutcome | Unset):
        principal (str | Unset):
        read_only (bool | None | Unset):
        request_id (str | Unset):
        start_time (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EventPage | Problem]
    """

    kwargs = _get_kwargs(
        end_time=end_time,
        event_name=event_name,
        event_source=event_source,
        outcome=outcome,
        principal=principal,
        read_only=read_only,
        request_id=request_id,
        start_time=start_time,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    end_time: datetime.datetime | Unset = UNSET,
    event_name: str | Unset = UNSET,
    event_source: str | Unset = UNSET,
    outcome: AuditEventsListOutcome | Unset = UNSET,
    principal: str | Unset = UNSET,
    read_only: bool | None | Unset = UNSET,
    request_id: str | Unset = UNSET,
    start_time: datetime.datetime | Unset = UNSET,
) -> EventPage | Problem | None:
    """The API view's hooks: claim in ``initial``, replay in ``handle_exception``, store or release at the
    end.

    Args:
        end_time (datetime.datetime | Unset):
        event_name (str | Unset):
        event_source (str | Unset):
        outcome (AuditEventsListOutcome | Unset):
        principal (str | Unset):
        read_only (bool | None | Unset):
        request_id (str | Unset):
        start_time (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EventPage | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            end_time=end_time,
            event_name=event_name,
            event_source=event_source,
            outcome=outcome,
            principal=principal,
            read_only=read_only,
            request_id=request_id,
            start_time=start_time,
        )
    ).parsed
