from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.policy_output import PolicyOutput
from ...models.policy_view_input_request import PolicyViewInputRequest
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    *,
    body: PolicyViewInputRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/moderation/policy",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PolicyOutput | Problem | None:
    if response.status_code == 200:
        response_200 = PolicyOutput.from_dict(response.json())

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
) -> Response[PolicyOutput | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: PolicyViewInputRequest,
) -> Response[PolicyOutput | Problem]:
    """Write the tenant's rules as a new version (the same rules again change nothing). Errors
    (docs/errors.md): 400 `unknown_moderation_category`, `invalid_moderation_thresholds`,
    `validation_error`, `unknown_field`. Nothing is written when the request is refused.

    Args:
        body (PolicyViewInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PolicyOutput | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: PolicyViewInputRequest,
) -> PolicyOutput | Problem | None:
    """Write the tenant's rules as a new version (the same rules again change nothing). Errors
    (docs/errors.md): 400 `unknown_moderation_category`, `invalid_moderation_thresholds`,
    `validation_error`, `unknown_field`. Nothing is written when the request is refused.

    Args:
        body (PolicyViewInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PolicyOutput | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: PolicyViewInputRequest,
) -> Response[PolicyOutput | Problem]:
    """Write the tenant's rules as a new version (the same rules again change nothing). Errors
    (docs/errors.md): 400 `unknown_moderation_category`, `invalid_moderation_thresholds`,
    `validation_error`, `unknown_field`. Nothing is written when the request is refused.

    Args:
        body (PolicyViewInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PolicyOutput | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: PolicyViewInputRequest,
) -> PolicyOutput | Problem | None:
    """Write the tenant's rules as a new version (the same rules again change nothing). Errors
    (docs/errors.md): 400 `unknown_moderation_category`, `invalid_moderation_thresholds`,
    `validation_error`, `unknown_field`. Nothing is written when the request is refused.

    Args:
        body (PolicyViewInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PolicyOutput | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
