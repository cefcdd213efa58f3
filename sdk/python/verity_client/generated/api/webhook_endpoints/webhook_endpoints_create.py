from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.endpoint_list_view_input_request import EndpointListViewInputRequest
from ...models.endpoint_with_secret_output import EndpointWithSecretOutput
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: EndpointListViewInputRequest,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/webhook-endpoints",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> EndpointWithSecretOutput | Problem | None:
    if response.status_code == 201:
        response_201 = EndpointWithSecretOutput.from_dict(response.json())

        return response_201

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
) -> Response[EndpointWithSecretOutput | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: EndpointListViewInputRequest,
    idempotency_key: str | Unset = UNSET,
) -> Response[EndpointWithSecretOutput | Problem]:
    """Register a receiver. The answer carries its signing secret, shown only this once. Errors: 400
    `webhook_url_invalid`, `webhook_url_scheme` (https only in production), `webhook_url_unresolvable`,
    `webhook_url_forbidden_address` (the host resolves to a loopback, private, link-local, multicast or
    otherwise non-public address), `webhook_unknown_event_type`, `validation_error`, `unknown_field`.

    Args:
        idempotency_key (str | Unset):
        body (EndpointListViewInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EndpointWithSecretOutput | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: EndpointListViewInputRequest,
    idempotency_key: str | Unset = UNSET,
) -> EndpointWithSecretOutput | Problem | None:
    """Register a receiver. The answer carries its signing secret, shown only this once. Errors: 400
    `webhook_url_invalid`, `webhook_url_scheme` (https only in production), `webhook_url_unresolvable`,
    `webhook_url_forbidden_address` (the host resolves to a loopback, private, link-local, multicast or
    otherwise non-public address), `webhook_unknown_event_type`, `validation_error`, `unknown_field`.

    Args:
        idempotency_key (str | Unset):
        body (EndpointListViewInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EndpointWithSecretOutput | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: EndpointListViewInputRequest,
    idempotency_key: str | Unset = UNSET,
) -> Response[EndpointWithSecretOutput | Problem]:
    """Register a receiver. The answer carries its signing secret, shown only this once. Errors: 400
    `webhook_url_invalid`, `webhook_url_scheme` (https only in production), `webhook_url_unresolvable`,
    `webhook_url_forbidden_address` (the host resolves to a loopback, private, link-local, multicast or
    otherwise non-public address), `webhook_unknown_event_type`, `validation_error`, `unknown_field`.

    Args:
        idempotency_key (str | Unset):
        body (EndpointListViewInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EndpointWithSecretOutput | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: EndpointListViewInputRequest,
    idempotency_key: str | Unset = UNSET,
) -> EndpointWithSecretOutput | Problem | None:
    """Register a receiver. The answer carries its signing secret, shown only this once. Errors: 400
    `webhook_url_invalid`, `webhook_url_scheme` (https only in production), `webhook_url_unresolvable`,
    `webhook_url_forbidden_address` (the host resolves to a loopback, private, link-local, multicast or
    otherwise non-public address), `webhook_unknown_event_type`, `validation_error`, `unknown_field`.

    Args:
        idempotency_key (str | Unset):
        body (EndpointListViewInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EndpointWithSecretOutput | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
