from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.document_list_view_input_request import DocumentListViewInputRequest
from ...models.document_list_view_multipart_input_request import (
    DocumentListViewMultipartInputRequest,
)
from ...models.document_output import DocumentOutput
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: DocumentListViewInputRequest
    | DocumentListViewMultipartInputRequest
    | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/documents",
    }

    if isinstance(body, DocumentListViewInputRequest):
        _kwargs["json"] = body.to_dict()

        headers["Content-Type"] = "application/json"
    if isinstance(body, DocumentListViewMultipartInputRequest):
        _kwargs["files"] = body.to_multipart()

        headers["Content-Type"] = "multipart/form-data; boundary=+++"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DocumentOutput | Problem | None:
    if response.status_code == 201:
        response_201 = DocumentOutput.from_dict(response.json())

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
) -> Response[DocumentOutput | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: DocumentListViewInputRequest
    | DocumentListViewMultipartInputRequest
    | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[DocumentOutput | Problem]:
    """Read an ID document page (DetectText) and its ICAO 9303 MRZ. A page with problems is still 201: see
    `problems` (document.no_mrz, document.invalid, document.expired, document.inconsistent). Errors: 400
    image errors (invalid_image_format, image_too_large, image_too_small, image_corrupt,
    invalid_s3_object), validation_error, unknown_field; 429 rate_limited; 502/503 engine errors.

    Args:
        idempotency_key (str | Unset):
        body (DocumentListViewInputRequest):
        body (DocumentListViewMultipartInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DocumentOutput | Problem]
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
    body: DocumentListViewInputRequest
    | DocumentListViewMultipartInputRequest
    | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> DocumentOutput | Problem | None:
    """Read an ID document page (DetectText) and its ICAO 9303 MRZ. A page with problems is still 201: see
    `problems` (document.no_mrz, document.invalid, document.expired, document.inconsistent). Errors: 400
    image errors (invalid_image_format, image_too_large, image_too_small, image_corrupt,
    invalid_s3_object), validation_error, unknown_field; 429 rate_limited; 502/503 engine errors.

    Args:
        idempotency_key (str | Unset):
        body (DocumentListViewInputRequest):
        body (DocumentListViewMultipartInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DocumentOutput | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: DocumentListViewInputRequest
    | DocumentListViewMultipartInputRequest
    | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[DocumentOutput | Problem]:
    """Read an ID document page (DetectText) and its ICAO 9303 MRZ. A page with problems is still 201: see
    `problems` (document.no_mrz, document.invalid, document.expired, document.inconsistent). Errors: 400
    image errors (invalid_image_format, image_too_large, image_too_small, image_corrupt,
    invalid_s3_object), validation_error, unknown_field; 429 rate_limited; 502/503 engine errors.

    Args:
        idempotency_key (str | Unset):
        body (DocumentListViewInputRequest):
        body (DocumentListViewMultipartInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DocumentOutput | Problem]
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
    body: DocumentListViewInputRequest
    | DocumentListViewMultipartInputRequest
    | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> DocumentOutput | Problem | None:
    """Read an ID document page (DetectText) and its ICAO 9303 MRZ. A page with problems is still 201: see
    `problems` (document.no_mrz, document.invalid, document.expired, document.inconsistent). Errors: 400
    image errors (invalid_image_format, image_too_large, image_too_small, image_corrupt,
    invalid_s3_object), validation_error, unknown_field; 429 rate_limited; 502/503 engine errors.

    Args:
        idempotency_key (str | Unset):
        body (DocumentListViewInputRequest):
        body (DocumentListViewMultipartInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DocumentOutput | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
