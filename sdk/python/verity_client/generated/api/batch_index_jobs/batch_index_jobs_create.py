from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.batch_index_job_list_view_input_request import (
    BatchIndexJobListViewInputRequest,
)
from ...models.batch_index_job_output import BatchIndexJobOutput
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: BatchIndexJobListViewInputRequest,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/batch-index-jobs",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BatchIndexJobOutput | Problem | None:
    if response.status_code == 202:
        response_202 = BatchIndexJobOutput.from_dict(response.json())

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
) -> Response[BatchIndexJobOutput | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: BatchIndexJobListViewInputRequest,
    idempotency_key: str | Unset = UNSET,
) -> Response[BatchIndexJobOutput | Problem]:
    """Index the faces of a manifest stored in your tenant's storage: CSV or JSON lines of `external_id,
    s3_key[, consent_reference]` (at most 16 MiB and 50000 lines). Answers 202 with the job; poll GET
    /v1/batch-index-jobs/{id}. A line whose subject has no active consent needs a consent_reference and
    the job's `consent` terms, or it fails `consent_required` without any engine call. Errors: 400
    validation_error, unknown_field, invalid_s3_object (outside your bucket or prefix). Per-item and job
    failure codes: docs/verification.md.

    Args:
        idempotency_key (str | Unset):
        body (BatchIndexJobListViewInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BatchIndexJobOutput | Problem]
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
    body: BatchIndexJobListViewInputRequest,
    idempotency_key: str | Unset = UNSET,
) -> BatchIndexJobOutput | Problem | None:
    """Index the faces of a manifest stored in your tenant's storage: CSV or JSON lines of `external_id,
    s3_key[, consent_reference]` (at most 16 MiB and 50000 lines). Answers 202 with the job; poll GET
    /v1/batch-index-jobs/{id}. A line whose subject has no active consent needs a consent_reference and
    the job's `consent` terms, or it fails `consent_required` without any engine call. Errors: 400
    validation_error, unknown_field, invalid_s3_object (outside your bucket or prefix). Per-item and job
    failure codes: docs/verification.md.

    Args:
        idempotency_key (str | Unset):
        body (BatchIndexJobListViewInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BatchIndexJobOutput | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: BatchIndexJobListViewInputRequest,
    idempotency_key: str | Unset = UNSET,
) -> Response[BatchIndexJobOutput | Problem]:
    """Index the faces of a manifest stored in your tenant's storage: CSV or JSON lines of `external_id,
    s3_key[, consent_reference]` (at most 16 MiB and 50000 lines). Answers 202 with the job; poll GET
    /v1/batch-index-jobs/{id}. A line whose subject has no active consent needs a consent_reference and
    the job's `consent` terms, or it fails `consent_required` without any engine call. Errors: 400
    validation_error, unknown_field, invalid_s3_object (outside your bucket or prefix). Per-item and job
    failure codes: docs/verification.md.

    Args:
        idempotency_key (str | Unset):
        body (BatchIndexJobListViewInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BatchIndexJobOutput | Problem]
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
    body: BatchIndexJobListViewInputRequest,
    idempotency_key: str | Unset = UNSET,
) -> BatchIndexJobOutput | Problem | None:
    """Index the faces of a manifest stored in your tenant's storage: CSV or JSON lines of `external_id,
    s3_key[, consent_reference]` (at most 16 MiB and 50000 lines). Answers 202 with the job; poll GET
    /v1/batch-index-jobs/{id}. A line whose subject has no active consent needs a consent_reference and
    the job's `consent` terms, or it fails `consent_required` without any engine call. Errors: 400
    validation_error, unknown_field, invalid_s3_object (outside your bucket or prefix). Per-item and job
    failure codes: docs/verification.md.

    Args:
        idempotency_key (str | Unset):
        body (BatchIndexJobListViewInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BatchIndexJobOutput | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
