from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.verification_list_view_input_request import (
    VerificationListViewInputRequest,
)
from ...models.verification_list_view_multipart_input_request import (
    VerificationListViewMultipartInputRequest,
)
from ...models.verification_output import VerificationOutput
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: VerificationListViewInputRequest
    | VerificationListViewMultipartInputRequest
    | Unset = UNSET,
    wait: int | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    params: dict[str, Any] = {}

    params["wait"] = wait

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/verifications",
        "params": params,
    }

    if isinstance(body, VerificationListViewInputRequest):
        _kwargs["json"] = body.to_dict()

        headers["Content-Type"] = "application/json"
    if isinstance(body, VerificationListViewMultipartInputRequest):
        _kwargs["files"] = body.to_multipart()

        headers["Content-Type"] = "multipart/form-data; boundary=+++"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | VerificationOutput | None:
    if response.status_code == 201:
        response_201 = VerificationOutput.from_dict(response.json())

        return response_201

    if response.status_code == 202:
        response_202 = VerificationOutput.from_dict(response.json())

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
) -> Response[Problem | VerificationOutput]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: VerificationListViewInputRequest
    | VerificationListViewMultipartInputRequest
    | Unset = UNSET,
    wait: int | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[Problem | VerificationOutput]:
    """Errors: see docs/verification.md (consent_required, subject_required, id_document_required,
    selfie_required, subject_already_registered, subject_not_registered, liveness.required,
    liveness.reused, liveness.subject_mismatch, unexpected_selfie, unexpected_liveness_session, image
    errors).

    Args:
        wait (int | Unset):
        idempotency_key (str | Unset):
        body (VerificationListViewInputRequest):
        body (VerificationListViewMultipartInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | VerificationOutput]
    """

    kwargs = _get_kwargs(
        body=body,
        wait=wait,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: VerificationListViewInputRequest
    | VerificationListViewMultipartInputRequest
    | Unset = UNSET,
    wait: int | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Problem | VerificationOutput | None:
    """Errors: see docs/verification.md (consent_required, subject_required, id_document_required,
    selfie_required, subject_already_registered, subject_not_registered, liveness.required,
    liveness.reused, liveness.subject_mismatch, unexpected_selfie, unexpected_liveness_session, image
    errors).

    Args:
        wait (int | Unset):
        idempotency_key (str | Unset):
        body (VerificationListViewInputRequest):
        body (VerificationListViewMultipartInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | VerificationOutput
    """

    return sync_detailed(
        client=client,
        body=body,
        wait=wait,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: VerificationListViewInputRequest
    | VerificationListViewMultipartInputRequest
    | Unset = UNSET,
    wait: int | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[Problem | VerificationOutput]:
    """Errors: see docs/verification.md (consent_required, subject_required, id_document_required,
    selfie_required, subject_already_registered, subject_not_registered, liveness.required,
    liveness.reused, liveness.subject_mismatch, unexpected_selfie, unexpected_liveness_session, image
    errors).

    Args:
        wait (int | Unset):
        idempotency_key (str | Unset):
        body (VerificationListViewInputRequest):
        body (VerificationListViewMultipartInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | VerificationOutput]
    """

    kwargs = _get_kwargs(
        body=body,
        wait=wait,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: VerificationListViewInputRequest
    | VerificationListViewMultipartInputRequest
    | Unset = UNSET,
    wait: int | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Problem | VerificationOutput | None:
    """Errors: see docs/verification.md (consent_required, subject_required, id_document_required,
    selfie_required, subject_already_registered, subject_not_registered, liveness.required,
    liveness.reused, liveness.subject_mismatch, unexpected_selfie, unexpected_liveness_session, image
    errors).

    Args:
        wait (int | Unset):
        idempotency_key (str | Unset):
        body (VerificationListViewInputRequest):
        body (VerificationListViewMultipartInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | VerificationOutput
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            wait=wait,
            idempotency_key=idempotency_key,
        )
    ).parsed
