from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.liveness_session_list_view_input_request import (
    LivenessSessionListViewInputRequest,
)
from ...models.liveness_session_output import LivenessSessionOutput
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: LivenessSessionListViewInputRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/liveness-sessions",
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> LivenessSessionOutput | Problem | None:
    if response.status_code == 201:
        response_201 = LivenessSessionOutput.from_dict(response.json())

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
) -> Response[LivenessSessionOutput | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: LivenessSessionListViewInputRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[LivenessSessionOutput | Problem]:
    """Create a Face Liveness session (CreateFaceLivenessSession, with your KMS key; the reference image
    goes to your bucket). Errors: 404 not_found (subject), subject_erased; 409 consent_required; 429
    rate_limited; 502/503 engine errors.

    Args:
        idempotency_key (str | Unset):
        body (LivenessSessionListViewInputRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[LivenessSessionOutput | Problem]
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
    body: LivenessSessionListViewInputRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> LivenessSessionOutput | Problem | None:
    """Create a Face Liveness session (CreateFaceLivenessSession, with your KMS key; the reference image
    goes to your bucket). Errors: 404 not_found (subject), subject_erased; 409 consent_required; 429
    rate_limited; 502/503 engine errors.

    Args:
        idempotency_key (str | Unset):
        body (LivenessSessionListViewInputRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        LivenessSessionOutput | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: LivenessSessionListViewInputRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[LivenessSessionOutput | Problem]:
    """Create a Face Liveness session (CreateFaceLivenessSession, with your KMS key; the reference image
    goes to your bucket). Errors: 404 not_found (subject), subject_erased; 409 consent_required; 429
    rate_limited; 502/503 engine errors.

    Args:
        idempotency_key (str | Unset):
        body (LivenessSessionListViewInputRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[LivenessSessionOutput | Problem]
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
    body: LivenessSessionListViewInputRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> LivenessSessionOutput | Problem | None:
    """Create a Face Liveness session (CreateFaceLivenessSession, with your KMS key; the reference image
    goes to your bucket). Errors: 404 not_found (subject), subject_erased; 409 consent_required; 429
    rate_limited; 502/503 engine errors.

    Args:
        idempotency_key (str | Unset):
        body (LivenessSessionListViewInputRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        LivenessSessionOutput | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
