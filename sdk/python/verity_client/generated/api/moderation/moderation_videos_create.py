from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.moderation_output import ModerationOutput
from ...models.problem import Problem
from ...models.video_list_view_input_request import VideoListViewInputRequest
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: VideoListViewInputRequest,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/moderation/videos",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ModerationOutput | Problem | None:
    if response.status_code == 202:
        response_202 = ModerationOutput.from_dict(response.json())

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
) -> Response[ModerationOutput | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: VideoListViewInputRequest,
    idempotency_key: str | Unset = UNSET,
) -> Response[ModerationOutput | Problem]:
    """Start moderating a video in your tenant's bucket; poll the result. Errors (docs/errors.md): 400
    `invalid_s3_object`, `invalid_parameter`, `video_too_large`, `metadata_too_large`,
    `invalid_metadata`, `validation_error`, `unknown_field`; 409 `idempotency_mismatch`; 429
    `rate_limited`; 502/503 engine errors. A job that fails later is not an error response: the result
    ends `failed` with `error_code` `video_job_failed` or `video_timeout`.

    Args:
        idempotency_key (str | Unset):
        body (VideoListViewInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ModerationOutput | Problem]
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
    body: VideoListViewInputRequest,
    idempotency_key: str | Unset = UNSET,
) -> ModerationOutput | Problem | None:
    """Start moderating a video in your tenant's bucket; poll the result. Errors (docs/errors.md): 400
    `invalid_s3_object`, `invalid_parameter`, `video_too_large`, `metadata_too_large`,
    `invalid_metadata`, `validation_error`, `unknown_field`; 409 `idempotency_mismatch`; 429
    `rate_limited`; 502/503 engine errors. A job that fails later is not an error response: the result
    ends `failed` with `error_code` `video_job_failed` or `video_timeout`.

    Args:
        idempotency_key (str | Unset):
        body (VideoListViewInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ModerationOutput | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: VideoListViewInputRequest,
    idempotency_key: str | Unset = UNSET,
) -> Response[ModerationOutput | Problem]:
    """Start moderating a video in your tenant's bucket; poll the result. Errors (docs/errors.md): 400
    `invalid_s3_object`, `invalid_parameter`, `video_too_large`, `metadata_too_large`,
    `invalid_metadata`, `validation_error`, `unknown_field`; 409 `idempotency_mismatch`; 429
    `rate_limited`; 502/503 engine errors. A job that fails later is not an error response: the result
    ends `failed` with `error_code` `video_job_failed` or `video_timeout`.

    Args:
        idempotency_key (str | Unset):
        body (VideoListViewInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ModerationOutput | Problem]
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
    body: VideoListViewInputRequest,
    idempotency_key: str | Unset = UNSET,
) -> ModerationOutput | Problem | None:
    """Start moderating a video in your tenant's bucket; poll the result. Errors (docs/errors.md): 400
    `invalid_s3_object`, `invalid_parameter`, `video_too_large`, `metadata_too_large`,
    `invalid_metadata`, `validation_error`, `unknown_field`; 409 `idempotency_mismatch`; 429
    `rate_limited`; 502/503 engine errors. A job that fails later is not an error response: the result
    ends `failed` with `error_code` `video_job_failed` or `video_timeout`.

    Args:
        idempotency_key (str | Unset):
        body (VideoListViewInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ModerationOutput | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
