"""Each delivered job's flow — its trace context and request id — so that what the relay reports about the
job (its result, or that it could not be delivered) continues the trace that dispatched it."""

from __future__ import annotations

import contextlib
import uuid
from collections import OrderedDict
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from vitrine_kit import tracing
from vitrine_kit.logging import request_id_var

T = TypeVar("T")


@dataclass(frozen=True)
class Flow:
    trace: dict[str, str]
    request_id: str


class Flows:
    """The flows of the last ``size`` jobs (as many as the relay remembers deliveries)."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._by_job: OrderedDict[uuid.UUID, Flow] = OrderedDict()

    def remember(self, job_id: uuid.UUID, correlation_id: str | None) -> None:
        """Keep the current trace context (the dispatch's consumer span) and the dispatch's request id."""
        self._by_job[job_id] = Flow(tracing.inject(), correlation_id or str(job_id))
        while len(self._by_job) > self.size:
            self._by_job.popitem(last=False)

    @contextlib.contextmanager
    def within(
        self, job_id: uuid.UUID, name: str, kind: tracing.SpanKind = tracing.SpanKind.INTERNAL
    ) -> Iterator[None]:
        """A span ``name`` in the job's trace, with the job's request id in logs and published events."""
        flow = self._by_job.get(job_id)
        token = request_id_var.set(flow.request_id if flow else str(job_id))
        try:
            with tracing.span(
                name,
                kind=kind,
                parent=flow.trace if flow else None,
                attributes={"vitrine.job_id": str(job_id)},
            ):
                yield
        finally:
            request_id_var.reset(token)

    async def run(self, job_id: uuid.UUID, name: str, work: Coroutine[Any, Any, T]) -> T:
        """Await ``work`` within the job's flow (for work spawned as a task)."""
        with self.within(job_id, name, tracing.SpanKind.CLIENT):
            return await work
