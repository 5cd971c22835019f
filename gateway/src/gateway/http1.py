"""One HTTP/1.1 connection to a service: an asyncio Protocol, and httptools' response parser for its answers.

A ``Connection`` carries one exchange at a time (no pipelining). Its ``Exchange`` is the answer as it
arrives: the head, then the body read chunk by chunk with back-pressure (reading from the service pauses
while more than ``HIGH_WATER`` bytes wait for the client). Waiting for the service is bounded by the
route's read timeout: that long without a byte while the gateway waits for one is an ``UpstreamTimeout``.
An answer cut short, garbage instead of HTTP, or a reset is an ``UpstreamError``; a connection the
service closed while it lay idle in the pool, before a byte of the answer, is a ``StaleConnection``.
"""

from __future__ import annotations

import asyncio
import contextlib

import httptools

from gateway.upstream_errors import (
    ConnectError,
    ConnectTimeout,
    StaleConnection,
    UpstreamError,
    UpstreamTimeout,
)

__all__ = [
    "HIGH_WATER",
    "ConnectError",
    "ConnectTimeout",
    "Connection",
    "Exchange",
    "StaleConnection",
    "UpstreamError",
    "UpstreamTimeout",
]

# Reading from the service pauses above this many buffered bytes and resumes below LOW_WATER.
HIGH_WATER = 256 * 1024
LOW_WATER = 64 * 1024
# The most an answer's status line and headers may take (aiohttp's default limits came to about this).
MAX_HEAD = 64 * 1024
_NO_BODY_STATUSES = frozenset({204, 304})


class Connection(asyncio.Protocol):
    """A keep-alive connection to one origin; ``exchange`` is the answer being read, if any."""

    def __init__(self, loop: asyncio.AbstractEventLoop, origin: str) -> None:
        self.loop = loop
        self.origin = origin
        self.transport: asyncio.Transport | None = None
        self.exchange: Exchange | None = None
        self.closed = False
        self.reused = False
        self.idle_since = 0.0
        self.on_lost: list[Connection] | None = None  # the idle list it is in, to leave when closed
        self._write_paused = False
        self._drain: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self.exchange is None:  # a service has nothing to say unasked: the connection is not HTTP any more
            self.close()
            return
        self.exchange.feed(data)

    def eof_received(self) -> bool:
        return False  # close our side too: half-open connections are never reused

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.on_lost is not None:
            with contextlib.suppress(ValueError):
                self.on_lost.remove(self)
            self.on_lost = None
        if self.exchange is not None:
            self.exchange.lost(exc)
        self._wake_writer(UpstreamError(f"connection closed: {exc!r}"))

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        self._wake_writer(None)

    def _wake_writer(self, error: Exception | None) -> None:
        waiter, self._drain = self._drain, None
        if waiter is not None and not waiter.done():
            if error is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(error)

    def write(self, data: bytes) -> None:
        if self.closed or self.transport is None:
            raise UpstreamError("connection closed")
        self.transport.write(data)

    async def drain(self) -> None:
        """Return once the service has taken what was written (the transport's buffer is low again)."""
        if self.closed:
            raise UpstreamError("connection closed")
        if self._write_paused:
            self._drain = self.loop.create_future()
            await self._drain

    def close(self) -> None:
        if self.transport is not None and not self.closed:
            self.transport.close()
        self.closed = True


class Exchange:
    """One answer: ``head()`` waits for the status and headers, ``chunk()`` gives the body piece by piece.

    ``headers`` are the raw pairs as the service sent them (names as spelt); ``content_type`` is the
    lower-case media type alone. A ``HEAD`` answer and 1xx/204/304 have no body; a body with neither a
    length nor chunked ends when the service closes the connection.
    """

    __slots__ = (
        "_chunks",
        "_close_delimited",
        "_got_bytes",
        "_head_bytes",
        "_head_only",
        "_parser",
        "_paused",
        "_sent",
        "_timer",
        "_waiter",
        "buffered",
        "complete",
        "conn",
        "content_length",
        "content_type",
        "error",
        "has_head",
        "headers",
        "keep_alive",
        "status",
        "timeout_s",
        "writer",
    )

    def __init__(self, conn: Connection, head_only: bool, timeout_s: float, sent: bool) -> None:
        self.conn = conn
        self.timeout_s = timeout_s
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.content_length: int | None = None
        self.content_type = ""
        self.has_head = False
        self.complete = False
        self.keep_alive = False
        self.error: UpstreamError | None = None
        self.buffered = 0
        self._chunks: list[bytes] = []
        self._head_only = head_only
        self._close_delimited = False
        self._got_bytes = False
        self._head_bytes = 0
        self._paused = False
        self._sent = sent
        self._waiter: asyncio.Future[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self.writer: asyncio.Task[None] | None = None  # the request body's, while it is streamed
        # Dropped once the answer is complete or failed: the parser refers back to this object, and a
        # cycle would leave every exchange to the garbage collector instead of freeing it at once.
        self._parser: httptools.HttpResponseParser | None = httptools.HttpResponseParser(self)

    # --- fed by the connection -------------------------------------------------------------------
    def feed(self, data: bytes) -> None:
        self._got_bytes = True
        parser = self._parser
        if parser is None:  # complete or failed
            if data:  # more than the answer announced: the connection cannot be trusted any more
                self.keep_alive = False
                self.conn.close()
            return
        try:
            parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self.fail(UpstreamError("the service switched protocols"))
            return
        except httptools.HttpParserError as exc:
            self.fail(UpstreamError(f"the answer is not HTTP/1.1: {exc}"))
            return
        if not self.has_head:  # every byte so far was the head's: bounded, as a head that never ends
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD:
                self.fail(UpstreamError(f"the answer's head is over {MAX_HEAD} bytes"))

    def lost(self, exc: Exception | None) -> None:
        if self.complete:
            return
        if self._close_delimited and self.has_head:  # the close is the end of this body
            self.complete = True
            self.keep_alive = False
            self._parser = None
            self._wake()
        elif self.conn.reused and not self._got_bytes:
            self.fail(StaleConnection("the service had closed the idle connection"))
        else:
            self.fail(UpstreamError(f"the connection closed before the answer was complete: {exc!r}"))

    def sent(self) -> None:
        """The request is written whole: the read timeout may start (an upload is not a silent service)."""
        self._sent = True
        if self._waiter is not None and self._timer is None:
            self._timer = self.conn.loop.call_later(self.timeout_s, self._timed_out)

    def fail(self, error: UpstreamError) -> None:
        """End the exchange with ``error`` (kept only if the answer was not complete) and close the connection."""
        if self.error is None and not self.complete:
            self.error = error
        self.keep_alive = False
        self._parser = None
        self.conn.close()
        self._wake()

    # --- httptools callbacks ---------------------------------------------------------------------
    def on_header(self, name: bytes, value: bytes) -> None:
        if not self.complete:
            self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        if self._parser is None or self.complete:  # a second answer after this one: never reused
            self.keep_alive = False
            return
        status = self._parser.get_status_code()
        if 100 <= status < 200:  # an interim answer (103 Early Hints…): not relayed, the real one follows
            self.headers = []
            return
        self.status = status
        chunked = False
        for name, value in self.headers:
            lname = name.lower()
            if lname == b"content-length":
                self.content_length = int(value) if value.strip().isdigit() else None
            elif lname == b"content-type":
                self.content_type = value.split(b";", 1)[0].strip().lower().decode("latin-1")
            elif lname == b"transfer-encoding":
                chunked = chunked or b"chunked" in value.lower()
        self.has_head = True
        if self._head_only or status in _NO_BODY_STATUSES:
            self.content_length = 0 if self._head_only else self.content_length
            self._close_delimited = False
            self._finish()
        else:
            self._close_delimited = self.content_length is None and not chunked
            self._wake()

    def on_body(self, body: bytes) -> None:
        if self.complete:  # a HEAD answer's announced body that was never meant to come
            return
        self._chunks.append(body)
        self.buffered += len(body)
        if self.buffered > HIGH_WATER and not self._paused and self.conn.transport is not None:
            self._paused = True
            self.conn.transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        if self.status == 0:  # the end of an interim 1xx answer
            return
        self._finish()

    def _finish(self) -> None:
        if self.complete:
            return
        self.complete = True
        self.keep_alive = self._parser is not None and self._parser.should_keep_alive()
        self._parser = None
        self._wake()

    # --- read by the forwarder -------------------------------------------------------------------
    async def head(self) -> None:
        """Wait for the status and headers."""
        while not self.has_head:
            if self.error is not None:
                raise self.error
            await self._wait()

    async def chunk(self) -> bytes:
        """The body's next bytes (what has arrived, joined), or ``b""`` once it is complete."""
        while not self._chunks:
            if self.complete:
                return b""
            if self.error is not None:
                raise self.error
            await self._wait()
        chunks = self._chunks
        data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        self._chunks = []
        self.buffered = 0
        if self._paused and self.conn.transport is not None and not self.conn.closed:
            self._paused = False
            self.conn.transport.resume_reading()
        return data

    async def read(self) -> bytes:
        """The whole body."""
        parts = []
        while chunk := await self.chunk():
            parts.append(chunk)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    async def _wait(self) -> None:
        waiter = self._waiter = self.conn.loop.create_future()
        if self._sent:
            self._timer = self.conn.loop.call_later(self.timeout_s, self._timed_out)
        try:
            await waiter
        finally:
            self._waiter = None
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _timed_out(self) -> None:
        self._timer = None
        self.fail(UpstreamTimeout(f"no byte from the service within {self.timeout_s:g} s"))
