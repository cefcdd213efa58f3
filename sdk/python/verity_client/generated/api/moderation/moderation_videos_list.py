import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.moderation_page import ModerationPage
from ...models.moderation_videos_list_category import ModerationVideosListCategory
from ...models.moderation_videos_list_decision import ModerationVideosListDecision
from ...models.moderation_videos_list_final_decision import (
    ModerationVideosListFinalDecision,
)
from ...models.moderation_videos_list_status import ModerationVideosListStatus
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    category: ModerationVideosListCategory | Unset = UNSET,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    decision: ModerationVideosListDecision | Unset = UNSET,
    external_ref: str | Unset = UNSET,
    final_decision: ModerationVideosListFinalDecision | Unset = UNSET,
    status: ModerationVideosListStatus | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_category: str | Unset = UNSET
    if not isinstance(category, Unset):
        json_category = category.value

    params["category"] = json_category

    json_created_after: str | Unset = UNSET
    if not isinstance(created_after, Unset):
        json_created_after = created_after.isoformat()
    params["created_after"] = json_created_after

    json_created_before: str | Unset = UNSET
    if not isinstance(created_before, Unset):
        json_created_before = created_before.isoformat()
    params["created_before"] = json_created_before

    json_decision: str | Unset = UNSET
    if not isinstance(decision, Unset):
        json_decision = decision.value

    params["decision"] = json_decision

    params["external_ref"] = external_ref

    json_final_decision: str | Unset = UNSET
    if not isinstance(final_decision, Unset):
        json_final_decision = final_decision.value

    params["final_decision"] = json_final_decision

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status.value

    params["status"] = json_status

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/moderation/videos",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ModerationPage | Problem | None:
    if response.status_code == 200:
        response_200 = ModerationPage.from_dict(response.json())

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
) -> Response[ModerationPage | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    category: ModerationVideosListCategory | Unset = UNSET,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    decision: ModerationVideosListDecision | Unset = UNSET,
    external_ref: str | Unset = UNSET,
    final_decision: ModerationVideosListFinalDecision | Unset = UNSET,
    status: ModerationVideosListStatus | Unset = UNSET,
) -> Response[ModerationPage | Problem]:
    """The API view's hooks: claim in ``initial``, replay in ``handle_exception``, store or release at the
    end.

    Args:
        category (ModerationVideosListCategory | Unset):
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        decision (ModerationVideosListDecision | Unset):
        external_ref (str | Unset):
        final_decision (ModerationVideosListFinalDecision | Unset):
        status (ModerationVideosListStatus | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ModerationPage | Problem]
    """

    kwargs = _get_kwargs(
        category=category,
        created_after=created_after,
        created_before=created_before,
        decision=decision,
        external_ref=external_ref,
        final_decision=final_decision,
        status=status,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    category: ModerationVideosListCategory | Unset = UNSET,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    decision: ModerationVideosListDecision | Unset = UNSET,
    external_ref: str | Unset = UNSET,
    final_decision: ModerationVideosListFinalDecision | Unset = UNSET,
    status: ModerationVideosListStatus | Unset = UNSET,
) -> ModerationPage | Problem | None:
    """The API view's hooks: claim in ``initial``, replay in ``handle_exception``, store or release at the
    end.

    Args:
        category (ModerationVideosListCategory | Unset):
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        decision (ModerationVideosListDecision | Unset):
        external_ref (str | Unset):
        final_decision (ModerationVideosListFinalDecision | Unset):
        status (ModerationVideosListStatus | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ModerationPage | Problem
    """

    return sync_detailed(
        client=client,
        category=category,
        created_after=created_after,
        created_before=created_before,
        decision=decision,
        external_ref=external_ref,
        final_decision=final_decision,
        status=status,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    category: ModerationVideosListCategory | Unset = UNSET,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    decision: ModerationVideosListDecision | Unset = UNSET,
    external_ref: str | Unset = UNSET,
    final_decision: ModerationVideosListFinalDecision | Unset = UNSET,
    status: ModerationVideosListStatus | Unset = UNSET,
) -> Response[ModerationPage | Problem]:
    """The API view's hooks: claim in ``initial``, replay in ``handle_exception``, store or release at the
    end.

    Args:
        category (ModerationVideosListCategory | Unset):
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        decision (ModerationVideosListDecision | Unset):
        external_ref (str | Unset):
        final_decision (ModerationVideosListFinalDecision | Unset):
        status (ModerationVideosListStatus | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ModerationPage | Problem]
    """

    kwargs = _get_kwargs(
        category=category,
        created_after=created_after,
        created_before=created_before,
        decision=decision,
        external_ref=external_ref,
        final_decision=final_decision,
        status=status,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    category: ModerationVideosListCategory | Unset = UNSET,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    decision: ModerationVideosListDecision | Unset = UNSET,
    external_ref: str | Unset = UNSET,
    final_decision: ModerationVideosListFinalDecision | Unset = UNSET,
    status: ModerationVideosListStatus | Unset = UNSET,
) -> ModerationPage | Problem | None:
    """The API view's hooks: claim in ``initial``, replay in ``handle_exception``, store or release at the
    end.

    Args:
        category (ModerationVideosListCategory | Unset):
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        decision (ModerationVideosListDecision | Unset):
        external_ref (str | Unset):
        final_decision (ModerationVideosListFinalDecision | Unset):
        status (ModerationVideosListStatus | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ModerationPage | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            category=category,
            created_after=created_after,
            created_before=created_before,
            decision=decision,
            external_ref=external_ref,
            final_decision=final_decision,
            status=status,
        )
    ).parsed
