from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.event_redeliver_view_input_request import EventRedeliverViewInputRequest
from ...models.problem import Problem
from ...models.redelivery_output import RedeliveryOutput
from ...types import UNSET, Response, Unset


def _get_kwargs(
    event_id: str,
    *,
    body: EventRedeliverViewInputRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/events/{event_id}/redeliver".format(
            event_id=quote(str(event_id), safe=""),
        ),
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | RedeliveryOutput | None:
    if response.status_code == 202:
        response_202 = RedeliveryOutput.from_dict(response.json())

        return response_202

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
) -> Response[Problem | RedeliveryOutput]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    event_id: str,
    *,
    client: AuthenticatedClient,
    body: EventRedeliverViewInputRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[Problem | RedeliveryOutput]:
    """Send the event again with a fresh retry schedule (same webhook-id: receivers deduplicate). Errors:
    404 `not_found`, `webhook_no_endpoint`; 400 `webhook_endpoint_disabled`.

    Args:
        event_id (str):
        idempotency_key (str | Unset):
        body (EventRedeliverViewInputRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | RedeliveryOutput]
    """

    kwargs = _get_kwargs(
        event_id=event_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    event_id: str,
    *,
    client: AuthenticatedClient,
    body: EventRedeliverViewInputRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Problem | RedeliveryOutput | None:
    """Send the event again with a fresh retry schedule (same webhook-id: receivers deduplicate). Errors:
    404 `not_found`, `webhook_no_endpoint`; 400 `webhook_endpoint_disabled`.

    Args:
        event_id (str):
        idempotency_key (str | Unset):
        body (EventRedeliverViewInputRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | RedeliveryOutput
    """

    return sync_detailed(
        event_id=event_id,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    event_id: str,
    *,
    client: AuthenticatedClient,
    body: EventRedeliverViewInputRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[Problem | RedeliveryOutput]:
    """Send the event again with a fresh retry schedule (same webhook-id: receivers deduplicate). Errors:
    404 `not_found`, `webhook_no_endpoint`; 400 `webhook_endpoint_disabled`.

    Args:
        event_id (str):
        idempotency_key (str | Unset):
        body (EventRedeliverViewInputRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | RedeliveryOutput]
    """

    kwargs = _get_kwargs(
        event_id=event_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    event_id: str,
    *,
    client: AuthenticatedClient,
    body: EventRedeliverViewInputRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Problem | RedeliveryOutput | None:
    """Send the event again with a fresh retry schedule (same webhook-id: receivers deduplicate). Errors:
    404 `not_found`, `webhook_no_endpoint`; 400 `webhook_endpoint_disabled`.

    Args:
        event_id (str):
        idempotency_key (str | Unset):
        body (EventRedeliverViewInputRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | RedeliveryOutput
    """

    return (
        await asyncio_detailed(
            event_id=event_id,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
