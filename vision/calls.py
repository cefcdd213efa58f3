"""What the gateway hands on for each call, and engine calls fanned out over threads.

Every gateway call, successful or not, becomes one ``CallRecord`` (never image bytes) handed to
the registered recorders — the audit log. ``fan_out`` runs calls concurrently (a search over
every shard) and hands their records on from the calling thread once all have returned, so the
threads it starts never open database connections of their own.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.db import connections

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class CallRecord:
    """One gateway call, for the audit log: never image bytes, never raw biometric data.

    ``request_parameters`` carries each image as ``{"sha256": …, "size": …}``; the response is
    summarised to its scalar fields, the sizes of its lists and the face ids they name.
    """

    tenant_id: int
    region: str
    operation: str
    request_parameters: Mapping[str, Any]
    response_summary: Mapping[str, Any] | None
    error_code: str | None
    error_message: str | None
    started_at: datetime
    latency_ms: float
    attempts: int
    request_id: str | None
    cached: bool


# Receives the records of one call, or of every call of one fan-out, together.
CallRecorder = Callable[[Sequence[CallRecord]], None]
call_recorders: list[CallRecorder] = []
# Inside a fan-out thread: where its calls' records wait for the calling thread.
_held: contextvars.ContextVar[list[CallRecord] | None] = contextvars.ContextVar(
    "verity_held_call_records", default=None
)


def register_call_recorder(recorder: CallRecorder) -> CallRecorder:
    """Have ``recorder`` receive every call's record; it runs in the caller's thread (the audit
    recorder commits the calls' events on its own connection, whatever the caller's transaction does).

    A recorder that raises fails the call: an audit trail that silently loses records is worse
    than a failed request.
    """
    if recorder not in call_recorders:
        call_recorders.append(recorder)
    return recorder


def publish(*records: CallRecord) -> None:
    """Hand the records to every recorder now, or, in a fan-out thread, to the thread that started it."""
    held = _held.get()
    if held is not None:
        held.extend(records)
        return
    if not records:
        return
    for recorder in call_recorders:
        recorder(records)


def fan_out(work: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``work`` over every item concurrently, so the latency is the slowest item's, not the sum.

    The calls' records are published together by this thread after every item has finished, the
    failed ones too, before the first failure (if any) is raised.
    """
    items = list(items)
    if len(items) <= 1:
        return [work(item) for item in items]
    held: list[list[CallRecord]] = [[] for _ in items]
    # Each item runs in a copy of this thread's context: the same tenant scope and request id.
    contexts = [contextvars.copy_context() for _ in items]

    def hold_and_work(index: int) -> R:
        _held.set(held[index])
        return work(items[index])

    def run(index: int) -> R:
        try:
            return contexts[index].run(hold_and_work, index)
        finally:
            connections.close_all()  # what the work opened (a collection named under an older rule is looked up)

    with ThreadPoolExecutor(max_workers=len(items), thread_name_prefix="verity-fan-out") as pool:
        futures = [pool.submit(run, index) for index in range(len(items))]
        wait(futures)
    publish(*(record for records in held for record in records))
    return [future.result() for future in futures]
