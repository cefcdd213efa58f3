from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.endpoint_output import EndpointOutput
from ...models.patched_endpoint_detail_view_input_request import (
    PatchedEndpointDetailViewInputRequest,
)
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    endpoint_id: str,
    *,
    body: PatchedEndpointDetailViewInputRequest | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/v1/webhook-endpoints/{endpoint_id}".format(
            endpoint_id=quote(str(endpoint_id), safe=""),
        ),
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> EndpointOutput | Problem | None:
    if response.status_code == 200:
        response_200 = EndpointOutput.from_dict(response.json())

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
) -> Response[EndpointOutput | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    endpoint_id: str,
    *,
    client: AuthenticatedClient,
    body: PatchedEndpointDetailViewInputRequest | Unset = UNSET,
) -> Response[EndpointOutput | Problem]:
    """Change the URL, the event types, the description, or enable/disable it. Disabling cancels pending
    deliveries. Errors: 404 `not_found`; 400 `webhook_url_invalid`, `webhook_url_scheme` (https only in
    production), `webhook_url_unresolvable`, `webhook_url_forbidden_address` (the host resolves to a
    loopback, private, link-local, multicast or otherwise non-public address),
    `webhook_unknown_event_type`, `validation_error`, `unknown_field`.

    Args:
        endpoint_id (str):
        body (PatchedEndpointDetailViewInputRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EndpointOutput | Problem]
    """

    kwargs = _get_kwargs(
        endpoint_id=endpoint_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    endpoint_id: str,
    *,
    client: AuthenticatedClient,
    body: PatchedEndpointDetailViewInputRequest | Unset = UNSET,
) -> EndpointOutput | Problem | None:
    """Change the URL, the event types, the description, or enable/disable it. Disabling cancels pending
    deliveries. Errors: 404 `not_found`; 400 `webhook_url_invalid`, `webhook_url_scheme` (https only in
    production), `webhook_url_unresolvable`, `webhook_url_forbidden_address` (the host resolves to a
    loopback, private, link-local, multicast or otherwise non-public address),
    `webhook_unknown_event_type`, `validation_error`, `unknown_field`.

    Args:
        endpoint_id (str):
        body (PatchedEndpointDetailViewInputRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EndpointOutput | Problem
    """

    return sync_detailed(
        endpoint_id=endpoint_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    endpoint_id: str,
    *,
    client: AuthenticatedClient,
    body: PatchedEndpointDetailViewInputRequest | Unset = UNSET,
) -> Response[EndpointOutput | Problem]:
    """Change the URL, the event types, the description, or enable/disable it. Disabling cancels pending
    deliveries. Errors: 404 `not_found`; 400 `webhook_url_invalid`, `webhook_url_scheme` (https only in
    production), `webhook_url_unresolvable`, `webhook_url_forbidden_address` (the host resolves to a
    loopback, private, link-local, multicast or otherwise non-public address),
    `webhook_unknown_event_type`, `validation_error`, `unknown_field`.

    Args:
        endpoint_id (str):
        body (PatchedEndpointDetailViewInputRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EndpointOutput | Problem]
    """

    kwargs = _get_kwargs(
        endpoint_id=endpoint_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    endpoint_id: str,
    *,
    client: AuthenticatedClient,
    body: PatchedEndpointDetailViewInputRequest | Unset = UNSET,
) -> EndpointOutput | Problem | None:
    """Change the URL, the event types, the description, or enable/disable it. Disabling cancels pending
    deliveries. Errors: 404 `not_found`; 400 `webhook_url_invalid`, `webhook_url_scheme` (https only in
    production), `webhook_url_unresolvable`, `webhook_url_forbidden_address` (the host resolves to a
    loopback, private, link-local, multicast or otherwise non-public address),
    `webhook_unknown_event_type`, `validation_error`, `unknown_field`.

    Args:
        endpoint_id (str):
        body (PatchedEndpointDetailViewInputRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EndpointOutput | Problem
    """

    return (
        await asyncio_detailed(
            endpoint_id=endpoint_id,
            client=client,
            body=body,
        )
    ).parsed
