from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.review_decision_view_input_request import ReviewDecisionViewInputRequest
from ...models.review_output import ReviewOutput
from ...types import UNSET, Response, Unset


def _get_kwargs(
    review_id: str,
    *,
    body: ReviewDecisionViewInputRequest,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/reviews/{review_id}/decision".format(
            review_id=quote(str(review_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | ReviewOutput | None:
    if response.status_code == 200:
        response_200 = ReviewOutput.from_dict(response.json())

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
) -> Response[Problem | ReviewOutput]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    review_id: str,
    *,
    client: AuthenticatedClient,
    body: ReviewDecisionViewInputRequest,
    idempotency_key: str | Unset = UNSET,
) -> Response[Problem | ReviewOutput]:
    """Decide a task the reviewer has claimed; the moderation result's final_decision follows. Errors
    (docs/errors.md): 403 `reviewer_required` (the reviewer is not a staff user of your tenant with the
    reviewer role); 404 `not_found`; 409 `review_claimed`, `review_already_decided`,
    `review_not_claimed`; 400 `validation_error`, `unknown_field`. Nothing changes when the request is
    refused.

    Args:
        review_id (str):
        idempotency_key (str | Unset):
        body (ReviewDecisionViewInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ReviewOutput]
    """

    kwargs = _get_kwargs(
        review_id=review_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    review_id: str,
    *,
    client: AuthenticatedClient,
    body: ReviewDecisionViewInputRequest,
    idempotency_key: str | Unset = UNSET,
) -> Problem | ReviewOutput | None:
    """Decide a task the reviewer has claimed; the moderation result's final_decision follows. Errors
    (docs/errors.md): 403 `reviewer_required` (the reviewer is not a staff user of your tenant with the
    reviewer role); 404 `not_found`; 409 `review_claimed`, `review_already_decided`,
    `review_not_claimed`; 400 `validation_error`, `unknown_field`. Nothing changes when the request is
    refused.

    Args:
        review_id (str):
        idempotency_key (str | Unset):
        body (ReviewDecisionViewInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ReviewOutput
    """

    return sync_detailed(
        review_id=review_id,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    review_id: str,
    *,
    client: AuthenticatedClient,
    body: ReviewDecisionViewInputRequest,
    idempotency_key: str | Unset = UNSET,
) -> Response[Problem | ReviewOutput]:
    """Decide a task the reviewer has claimed; the moderation result's final_decision follows. Errors
    (docs/errors.md): 403 `reviewer_required` (the reviewer is not a staff user of your tenant with the
    reviewer role); 404 `not_found`; 409 `review_claimed`, `review_already_decided`,
    `review_not_claimed`; 400 `validation_error`, `unknown_field`. Nothing changes when the request is
    refused.

    Args:
        review_id (str):
        idempotency_key (str | Unset):
        body (ReviewDecisionViewInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ReviewOutput]
    """

    kwargs = _get_kwargs(
        review_id=review_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    review_id: str,
    *,
    client: AuthenticatedClient,
    body: ReviewDecisionViewInputRequest,
    idempotency_key: str | Unset = UNSET,
) -> Problem | ReviewOutput | None:
    """Decide a task the reviewer has claimed; the moderation result's final_decision follows. Errors
    (docs/errors.md): 403 `reviewer_required` (the reviewer is not a staff user of your tenant with the
    reviewer role); 404 `not_found`; 409 `review_claimed`, `review_already_decided`,
    `review_not_claimed`; 400 `validation_error`, `unknown_field`. Nothing changes when the request is
    refused.

    Args:
        review_id (str):
        idempotency_key (str | Unset):
        body (ReviewDecisionViewInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ReviewOutput
    """

    return (
        await asyncio_detailed(
            review_id=review_id,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
