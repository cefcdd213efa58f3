from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.batch_index_item_page import BatchIndexItemPage
from ...models.batch_index_items_list_status import BatchIndexItemsListStatus
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    job_id: str,
    *,
    flagged: bool | None | Unset = UNSET,
    status: BatchIndexItemsListStatus | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_flagged: bool | None | Unset
    if isinstance(flagged, Unset):
        json_flagged = UNSET
    else:
        json_flagged = flagged
    params["flagged"] = json_flagged

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status.value

    params["status"] = json_status

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/batch-index-jobs/{job_id}/items".format(
            job_id=quote(str(job_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BatchIndexItemPage | Problem | None:
    if response.status_code == 200:
        response_200 = BatchIndexItemPage.from_dict(response.json())

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
) -> Response[BatchIndexItemPage | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    job_id: str,
    *,
    client: AuthenticatedClient,
    flagged: bool | None | Unset = UNSET,
    status: BatchIndexItemsListStatus | Unset = UNSET,
) -> Response[BatchIndexItemPage | Problem]:
    """The API view's hooks: claim in ``initial``, replay in ``handle_exception``, store or release at the
    end.

    Args:
        job_id (str):
        flagged (bool | None | Unset):
        status (BatchIndexItemsListStatus | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BatchIndexItemPage | Problem]
    """

    kwargs = _get_kwargs(
        job_id=job_id,
        flagged=flagged,
        status=status,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    job_id: str,
    *,
    client: AuthenticatedClient,
    flagged: bool | None | Unset = UNSET,
    status: BatchIndexItemsListStatus | Unset = UNSET,
) -> BatchIndexItemPage | Problem | None:
    """The API view's hooks: claim in ``initial``, replay in ``handle_exception``, store or release at the
    end.

    Args:
        job_id (str):
        flagged (bool | None | Unset):
        status (BatchIndexItemsListStatus | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BatchIndexItemPage | Problem
    """

    return sync_detailed(
        job_id=job_id,
        client=client,
        flagged=flagged,
        status=status,
    ).parsed


async def asyncio_detailed(
    job_id: str,
    *,
    client: AuthenticatedClient,
    flagged: bool | None | Unset = UNSET,
    status: BatchIndexItemsListStatus | Unset = UNSET,
) -> Response[BatchIndexItemPage | Problem]:
    """The API view's hooks: claim in ``initial``, replay in ``handle_exception``, store or release at the
    end.

    Args:
        job_id (str):
        flagged (bool | None | Unset):
        status (BatchIndexItemsListStatus | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BatchIndexItemPage | Problem]
    """

    kwargs = _get_kwargs(
        job_id=job_id,
        flagged=flagged,
        status=status,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    job_id: str,
    *,
    client: AuthenticatedClient,
    flagged: bool | None | Unset = UNSET,
    status: BatchIndexItemsListStatus | Unset = UNSET,
) -> BatchIndexItemPage | Problem | None:
    """The API view's hooks: claim in ``initial``, replay in ``handle_exception``, store or release at the
    end.

    Args:
        job_id (str):
        flagged (bool | None | Unset):
        status (BatchIndexItemsListStatus | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BatchIndexItemPage | Problem
    """

    return (
        await asyncio_detailed(
            job_id=job_id,
            client=client,
            flagged=flagged,
            status=status,
        )
    ).parsed
