"""One request's client side on the gateway's own server: its body as parsed, its answer written."""

from __future__ import annotations

import asyncio
from collections import deque
from http import HTTPStatus
from typing import TYPE_CHECKING

from gateway.downstream import ClientGone, Headers
from gateway.request import Request
from gateway.responses import Refusal

if TYPE_CHECKING:
    from gateway.connection import HttpConnection

_STATUS_LINES = {s.value: b"HTTP/1.1 %d %s\r\n" % (s.value, s.phrase.encode()) for s in HTTPStatus}
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_NO_BODY = frozenset({204, 304})


def status_line(status: int) -> bytes:
    return _STATUS_LINES.get(status) or b"HTTP/1.1 %d \r\n" % status


class Rejected(Exception):
    """A request refused before it reaches the gateway; the connection closes after the answer."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class Exchange:
    """One request's client side (``Downstream``): its body as parsed, its answer written on the connection."""

    __slots__ = (
        "broken",
        "chunked",
        "chunks",
        "complete",
        "conn",
        "continue_",
        "ended",
        "head_only",
        "http10",
        "keep_alive",
        "rejected",
        "request",
        "started",
        "waiter",
    )

    def __init__(
        self, conn: HttpConnection, request: Request | None, rejected: Rejected | None = None
    ) -> None:
        self.conn = conn
        self.request = request
        self.rejected = rejected
        self.broken: Rejected | None = None  # the rest of the body could not be parsed
        self.chunks: deque[bytes] = deque()
        self.complete = False  # the whole request (body included) is parsed
        self.waiter: asyncio.Future[None] | None = None
        self.keep_alive = True
        self.head_only = False
        self.http10 = False
        self.continue_ = False  # the client waits for "100 Continue" before sending its body
        self.started = False
        self.chunked = False
        self.ended = False

    # Reading the body -------------------------------------------------------------------------------

    def wake(self) -> None:
        waiter = self.waiter
        if waiter is not None:
            self.waiter = None
            if not waiter.done():
                waiter.set_result(None)

    async def read(self) -> tuple[bytes, bool]:
        conn = self.conn
        while True:
            if self.chunks:
                chunks = self.chunks
                chunk = chunks.popleft() if len(chunks) == 1 else b"".join(chunks)
                chunks.clear()
                conn.buffered -= len(chunk)
                conn.resume()
                return chunk, not self.complete
            if self.complete:
                return b"", False
            if self.broken is not None:
                raise Refusal.bad_request(self.broken.detail)
            if conn.lost or conn.eof:
                raise ClientGone
            if self.continue_:
                self.continue_ = False
                if not self.started:
                    conn.transport.write(_CONTINUE)
            conn.resume()
            self.waiter = conn.loop.create_future()
            await self.waiter

    async def disconnected(self) -> None:
        await self.conn.gone()

    # Writing the answer ------------------------------------------------------------------------------

    def _head(self, status: int, headers: Headers, length: int | None) -> bytes:
        self.started = True
        conn = self.conn
        parts = [status_line(status), conn.state.date]
        has_length = False
        for name, value in headers:
            if name == b"content-length":
                has_length = True
            elif name == b"connection":
                self.keep_alive = False  # the gateway's own refusals ask for it (a body left unread)
            parts += (name, b": ", value, b"\r\n")
        if status >= 200 and status not in _NO_BODY and not has_length:
            if length is not None:
                parts.append(b"content-length: %d\r\n" % length)
            elif self.head_only:
                pass
            elif self.http10:
                self.keep_alive = False  # the end of the body is the end of the connection
            else:
                self.chunked = True
                parts.append(b"transfer-encoding: chunked\r\n")
        if not self.complete or conn.state.closing:
            self.keep_alive = False  # the rest of the body will not be read: the connection cannot go on
        if not self.keep_alive:
            parts.append(b"connection: close\r\n\r\n")
        elif self.http10:
            parts.append(b"connection: keep-alive\r\n\r\n")
        else:
            parts.append(b"\r\n")
        return b"".join(parts)

    async def answer(self, status: int, headers: Headers, body: bytes) -> None:
        head = self._head(status, headers, None if self.head_only else len(body))
        self.ended = True
        conn = self.conn
        if conn.lost:
            return
        conn.transport.write(head if self.head_only or not body else head + body)
        if conn.write_paused:
            await conn.drain()

    async def start(self, status: int, headers: Headers) -> None:
        head = self._head(status, headers, None)
        if not self.conn.lost:
            self.conn.transport.write(head)

    async def write(self, chunk: bytes) -> None:
        conn = self.conn
        if conn.lost or self.head_only or not chunk:
            return
        if self.chunked:
            conn.transport.write(b"%x\r\n%b\r\n" % (len(chunk), chunk))
        else:
            conn.transport.write(chunk)
        if conn.write_paused:
            await conn.drain()

    async def end(self) -> None:
        self.ended = True
        if self.chunked and not self.conn.lost and not self.head_only:
            self.conn.transport.write(b"0\r\n\r\n")
