"""The client's request body, read within a size limit and a time limit: a small one whole before any
upstream connection is taken, a large one streamed as the upstream takes it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

from gateway.downstream import ClientGone, Downstream
from gateway.responses import Refusal

# Bodies up to this size are read whole before forwarding: one write upstream, and a retry can resend it.
SMALL_BODY = 64 * 1024


@dataclass(frozen=True, slots=True)
class BodyLimits:
    """How much a body may hold and how long it may take: at most ``timeout_s`` in all, and after
    ``grace_s`` at least ``min_rate`` bytes per second on average (0: no minimum rate)."""

    max_bytes: int
    timeout_s: float
    min_rate: float
    grace_s: float


class RequestBody:
    """The first ``SMALL_BODY`` bytes read, and the rest as an async iterator under the same limits.

    A failure while the upstream reads the iterator surfaces there as a connection error; ``failure`` keeps
    what really happened (a ``Refusal`` for the client, or ``ClientGone``) so it is not taken for the
    upstream's fault.
    """

    __slots__ = ("client", "failure", "first", "limits", "more", "received", "start", "started")

    def __init__(self, client: Downstream, limits: BodyLimits, start: float) -> None:
        self.client = client
        self.limits = limits
        self.start = start
        self.first = b""
        self.more = True
        self.received = 0
        self.started = False
        self.failure: Refusal | ClientGone | None = None

    @property
    def streamed(self) -> bool:
        """Whether part of the body is still to be read from the client while the upstream takes it."""
        return self.more

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body for the upstream: what was read first, then the rest as it arrives."""
        self.started = True
        if self.first:
            yield self.first
        while self.more:
            try:
                chunk = await self._next()
            except (Refusal, ClientGone) as exc:
                self.failure = exc
                raise
            if chunk:
                yield chunk

    @classmethod
    async def open(cls, client: Downstream, limits: BodyLimits) -> RequestBody:
        """Start reading a body: up to ``SMALL_BODY`` bytes (all of it when it is small), within its limits."""
        body = cls(client, limits, asyncio.get_running_loop().time())
        await body._read_first()
        return body

    async def _read_first(self) -> None:
        parts: list[bytes] = []
        size = 0
        while self.more and size < SMALL_BODY:
            chunk = await self._next()
            parts.append(chunk)
            size += len(chunk)
        self.first = b"".join(parts)

    @property
    def deadline(self) -> float:
        """When the whole body must have arrived (event loop time), at the latest."""
        return self.start + self.limits.timeout_s

    async def _next(self) -> bytes:
        """The next chunk from the client, counted against the size limit and awaited until the deadline."""
        limits = self.limits
        deadline = self.deadline
        if limits.min_rate > 0:
            # The average rate after the grace period: the bytes received so far buy this much time.
            deadline = min(deadline, self.start + limits.grace_s + self.received / limits.min_rate)
        try:
            async with asyncio.timeout_at(deadline):
                chunk, more = await self.client.read()
        except TimeoutError:
            raise Refusal.request_timeout(limits.timeout_s, limits.min_rate) from None
        self.received += len(chunk)
        if self.received > limits.max_bytes:
            raise Refusal.payload_too_large(limits.max_bytes)
        self.more = more
        return chunk
