from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.image_list_view_input_request import ImageListViewInputRequest
from ...models.image_list_view_multipart_input_request import (
    ImageListViewMultipartInputRequest,
)
from ...models.moderation_output import ModerationOutput
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: ImageListViewInputRequest
    | ImageListViewMultipartInputRequest
    | Unset = UNSET,
    async_: bool | Unset = False,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    params: dict[str, Any] = {}

    params["async"] = async_

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/moderation/images",
        "params": params,
    }

    if isinstance(body, ImageListViewInputRequest):
        if not isinstance(body, Unset):
            _kwargs["json"] = body.to_dict()

        headers["Content-Type"] = "application/json"
    if isinstance(body, ImageListViewMultipartInputRequest):
        if not isinstance(body, Unset):
            _kwargs["files"] = body.to_multipart()

        headers["Content-Type"] = "multipart/form-data; boundary=+++"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ModerationOutput | Problem | None:
    if response.status_code == 201:
        response_201 = ModerationOutput.from_dict(response.json())

        return response_201

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
    body: ImageListViewInputRequest
    | ImageListViewMultipartInputRequest
    | Unset = UNSET,
    async_: bool | Unset = False,
    idempotency_key: str | Unset = UNSET,
) -> Response[ModerationOutput | Problem]:
    """Moderate an image under the policy in force: 201 decided, or with `?async=true` 202 pending. Errors
    (docs/errors.md): 400 `invalid_image_source`, `invalid_image_format`, `image_too_large`,
    `image_too_small`, `image_corrupt`, `invalid_s3_object`, `metadata_too_large`, `invalid_metadata`,
    `validation_error`, `unknown_field`; 429 `rate_limited`; 502 `engine_error`, `engine_access_denied`;
    503 `engine_throttled`, `engine_unavailable`, `upstream_unavailable` (the image could not be
    stored). Nothing is stored when the request is refused.

    Args:
        async_ (bool | Unset):  Default: False.
        idempotency_key (str | Unset):
        body (ImageListViewInputRequest | Unset):
        body (ImageListViewMultipartInputRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ModerationOutput | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        async_=async_,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: ImageListViewInputRequest
    | ImageListViewMultipartInputRequest
    | Unset = UNSET,
    async_: bool | Unset = False,
    idempotency_key: str | Unset = UNSET,
) -> ModerationOutput | Problem | None:
    """Moderate an image under the policy in force: 201 decided, or with `?async=true` 202 pending. Errors
    (docs/errors.md): 400 `invalid_image_source`, `invalid_image_format`, `image_too_large`,
    `image_too_small`, `image_corrupt`, `invalid_s3_object`, `metadata_too_large`, `invalid_metadata`,
    `validation_error`, `unknown_field`; 429 `rate_limited`; 502 `engine_error`, `engine_access_denied`;
    503 `engine_throttled`, `engine_unavailable`, `upstream_unavailable` (the image could not be
    stored). Nothing is stored when the request is refused.

    Args:
        async_ (bool | Unset):  Default: False.
        idempotency_key (str | Unset):
        body (ImageListViewInputRequest | Unset):
        body (ImageListViewMultipartInputRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ModerationOutput | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        async_=async_,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: ImageListViewInputRequest
    | ImageListViewMultipartInputRequest
    | Unset = UNSET,
    async_: bool | Unset = False,
    idempotency_key: str | Unset = UNSET,
) -> Response[ModerationOutput | Problem]:
    """Moderate an image under the policy in force: 201 decided, or with `?async=true` 202 pending. Errors
    (docs/errors.md): 400 `invalid_image_source`, `invalid_image_format`, `image_too_large`,
    `image_too_small`, `image_corrupt`, `invalid_s3_object`, `metadata_too_large`, `invalid_metadata`,
    `validation_error`, `unknown_field`; 429 `rate_limited`; 502 `engine_error`, `engine_access_denied`;
    503 `engine_throttled`, `engine_unavailable`, `upstream_unavailable` (the image could not be
    stored). Nothing is stored when the request is refused.

    Args:
        async_ (bool | Unset):  Default: False.
        idempotency_key (str | Unset):
        body (ImageListViewInputRequest | Unset):
        body (ImageListViewMultipartInputRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ModerationOutput | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        async_=async_,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: ImageListViewInputRequest
    | ImageListViewMultipartInputRequest
    | Unset = UNSET,
    async_: bool | Unset = False,
    idempotency_key: str | Unset = UNSET,
) -> ModerationOutput | Problem | None:
    """Moderate an image under the policy in force: 201 decided, or with `?async=true` 202 pending. Errors
    (docs/errors.md): 400 `invalid_image_source`, `invalid_image_format`, `image_too_large`,
    `image_too_small`, `image_corrupt`, `invalid_s3_object`, `metadata_too_large`, `invalid_metadata`,
    `validation_error`, `unknown_field`; 429 `rate_limited`; 502 `engine_error`, `engine_access_denied`;
    503 `engine_throttled`, `engine_unavailable`, `upstream_unavailable` (the image could not be
    stored). Nothing is stored when the request is refused.

    Args:
        async_ (bool | Unset):  Default: False.
        idempotency_key (str | Unset):
        body (ImageListViewInputRequest | Unset):
        body (ImageListViewMultipartInputRequest | Unset):

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
            async_=async_,
            idempotency_key=idempotency_key,
        )
    ).parsed
