"""The client's request body: a small one read whole, a large one streamed as the upstream takes it."""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.types import Receive

from gateway.responses import Refusal

# Bodies up to this size are read whole before forwarding: one write upstream, and a retry can resend it.
SMALL_BODY = 64 * 1024


class ClientGone(Exception):
    """The client disconnected while its body was being read: there is nobody left to answer."""


class RequestBody:
    """The first ``SMALL_BODY`` bytes read, and the rest as an async iterator counted against the limit.

    A failure while the upstream reads the iterator surfaces there as a connection error; ``failure`` keeps
    what really happened (a ``Refusal`` for the client, or ``ClientGone``) so it is not taken for the
    upstream's fault.
    """

    __slots__ = ("failure", "first", "limit", "more", "receive", "received", "started")

    def __init__(self, receive: Receive, limit: int, first: bytes, more: bool) -> None:
        self.receive = receive
        self.limit = limit
        self.first = first
        self.more = more
        self.received = len(first)
        self.started = False
        self.failure: Refusal | ClientGone | None = None

    @property
    def streamed(self) -> bool:
        """Whether part of the body is still to be read from the client while the upstream takes it."""
        return self.more

    async def chunks(self) -> AsyncIterator[bytes]:
        self.started = True
        if self.first:
            yield self.first
        while self.more:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                self.failure = ClientGone()
                raise self.failure
            chunk: bytes = message.get("body", b"")
            self.received += len(chunk)
            if self.received > self.limit:
                self.failure = Refusal.payload_too_large(self.limit)
                raise self.failure
            self.more = message.get("more_body", False)
            if chunk:
                yield chunk


async def open_body(receive: Receive, limit: int) -> RequestBody:
    """Read up to ``SMALL_BODY`` bytes of the body (all of it when it is small)."""
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk: bytes = message.get("body", b"")
        parts.append(chunk)
        size += len(chunk)
        more: bool = message.get("more_body", False)
        if size > limit:
            raise Refusal.payload_too_large(limit)
        if not more or size >= SMALL_BODY:
            return RequestBody(receive, limit, b"".join(parts), more)
