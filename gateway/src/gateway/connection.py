"""A client connection of the gateway's HTTP/1.1 server: an asyncio protocol on httptools' request parser
that hands each request to ``Gateway.serve`` directly (no ASGI scope, messages or per-request timers).

Per connection: requests are parsed as bytes arrive and answered one at a time, in order (pipelined ones
wait, and reading pauses while they do); a request body is handed to the gateway as it arrives and reading
pauses while more than ``BODY_HIGH_WATER`` bytes of it wait (back-pressure up to the client); ``100
Continue`` is sent when the gateway first reads a body the client holds back for it; writes wait while the
client is slow to read. Refused before the gateway sees them (400 and the connection closed): anything the
parser rejects (a malformed request line or header, both ``Content-Length`` and ``Transfer-Encoding``, two
or an invalid ``Content-Length``, a ``Transfer-Encoding`` other than chunked); a request target over
``MAX_TARGET`` bytes is 414, a header block over ``max_header_bytes`` (or ``max_header_count`` lines) 431.
Timeouts: a request's head must arrive within ``header_timeout_s`` (408), an idle connection is closed after
``keep_alive_timeout_s``, an answer the client has not read from for ``send_timeout_s`` is cut (the
connection aborted, the service's connection freed); all are checked once a second for every connection (no timer per request).
An answer that leaves part of its request body unread closes the connection (``Connection: close``); the
rest of that body is read and dropped for at most ``LINGER_S`` first, so the client reads the answer instead
of a reset.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from email.utils import formatdate
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

import httptools
from vitrine_kit.errors import PROBLEM_JSON, problem_body

from gateway.client_exchange import Exchange, Rejected, status_line
from gateway.config import Settings
from gateway.main import Gateway
from gateway.request import new_request

logger = logging.getLogger("gateway.server")

BODY_HIGH_WATER = 256 * 1024  # request body bytes buffered before reading from the client pauses
MAX_TARGET = 8 * 1024
LINGER_S = 2.0  # after an answer that left its request body unread: how long the rest is read and dropped
# A client that does not wait for 100-continue may have sent megabytes already.
LINGER_BYTES = 64 * 1024 * 1024
MAX_QUEUED = 32  # pipelined requests parsed and waiting for the one being answered
# What a connection is waiting for when its deadline passes.
_IDLE, _HEAD, _LINGER = 1, 2, 3


class ServerState:
    """What the connections of one process share: the gateway, the limits, the ``Date`` header of this
    second, and the connections themselves (for the deadline sweep and the shutdown)."""

    def __init__(self, gateway: Gateway, settings: Settings, loop: asyncio.AbstractEventLoop) -> None:
        self.gateway = gateway
        self.loop = loop
        self.keep_alive_s = settings.keep_alive_timeout_s
        self.header_timeout_s = settings.header_timeout_s
        self.send_timeout_s = settings.send_timeout_s
        self.max_header_bytes = settings.max_header_bytes
        self.max_header_count = settings.max_header_count
        self.max_connections = settings.max_connections
        self.connections: set[HttpConnection] = set()
        self.closing = False
        self.all_closed = asyncio.Event()  # set once closing and no connection is left
        self.date = b""
        self._ticker: asyncio.TimerHandle | None = None
        self._tick()

    def _tick(self) -> None:
        self.date = b"date: " + formatdate(usegmt=True).encode() + b"\r\n"
        now = self.loop.time()
        for conn in [c for c in self.connections if c.deadline <= now]:
            conn.timed_out()
        self._ticker = self.loop.call_later(1.0, self._tick)

    def shut(self) -> None:
        """Stop keeping connections alive: idle ones close now, the others after their answer."""
        self.closing = True
        for conn in list(self.connections):
            conn.shut()
        self.closed_one()

    def closed_one(self) -> None:
        if self.closing and not self.connections:
            self.all_closed.set()

    def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        for conn in list(self.connections):
            conn.abort()


class HttpConnection(asyncio.Protocol):
    """One client connection: the parser's callbacks, the queue of requests, flow control, deadlines."""

    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.loop = state.loop
        self.gateway = state.gateway
        self.clients = state.gateway.clients
        self.transport: asyncio.Transport = None  # type: ignore[assignment]
        self.parser = httptools.HttpRequestParser(self)
        self.peer = "unknown"
        self.parsing: Exchange | None = None  # the request whose bytes are being parsed
        self.active: Exchange | None = None  # the request being answered
        self.queued: deque[Exchange] = deque()  # parsed, waiting for the ones before them
        self.buffered = 0  # body bytes parsed and not yet read by the gateway
        self.deadline = 0.0
        self.waiting_for = _HEAD
        self.head_bytes = 0
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.expect = False
        self.reading_paused = False
        self.write_paused = False
        self.write_paused_at = 0.0
        self._drain: asyncio.Future[None] | None = None
        self._gone: asyncio.Future[None] | None = None
        self.lost = False
        self.eof = False
        self.lingered = 0

    # asyncio.Protocol --------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        state = self.state
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple):
            self.peer = peer[0]
        full = state.max_connections and len(state.connections) >= state.max_connections
        state.connections.add(self)  # a refused one too, while it lingers
        if full:
            self._reject_now(Rejected(503, "The gateway has too many open connections; retry in a moment."))
            return
        self.deadline = self.loop.time() + state.header_timeout_s
        self.waiting_for = _HEAD

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self.state.connections.discard(self)
        self.state.closed_one()
        for exchange in (self.active, self.parsing):
            if exchange is not None:
                exchange.wake()
        self._release_drain()
        if self._gone is not None and not self._gone.done():
            self._gone.set_result(None)

    def eof_received(self) -> bool:
        # The client has sent all it will: answers still go out (a half-closed client reads them), then
        # the connection closes; a body cut short, or a stream watching for the client, ends here.
        self.eof = True
        for exchange in (self.active, self.parsing):
            if exchange is not None:
                exchange.wake()
        if self._gone is not None and not self._gone.done():
            self._gone.set_result(None)
        return self.active is not None or bool(self.queued)

    def data_received(self, data: bytes) -> None:
        if self.waiting_for == _LINGER:
            self.lingered += len(data)
            if self.lingered > LINGER_BYTES:
                self.transport.close()
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            # An upgrade (a websocket) is not served here: the request goes on as plain HTTP, and what
            # follows it is not HTTP, so the connection ends with its answer.
            if self.parsing is not None:
                self.parsing.keep_alive = False
            self.waiting_for = _LINGER
            self.pause()
        except httptools.HttpParserCallbackError as exc:
            cause = exc.__context__
            if isinstance(cause, Rejected):
                self._reject(cause)
            else:
                logger.error("request parsing failed", exc_info=cause)
                self._reject(Rejected(400, "The request could not be read."))
        except httptools.HttpParserInvalidURLError:
            self._reject(Rejected(400, "Invalid request target."))
        except httptools.HttpParserError as exc:
            self._reject(Rejected(400, f"Invalid HTTP request: {exc}."))

    def pause_writing(self) -> None:
        self.write_paused = True
        self.write_paused_at = now = self.loop.time()
        self.deadline = min(self.deadline, now + self.state.send_timeout_s)

    def resume_writing(self) -> None:
        self.write_paused = False
        self._release_drain()

    # httptools callbacks ----------------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self.url = b""
        self.headers = []
        self.head_bytes = 0
        self.expect = False
        if self.waiting_for != _HEAD:
            self.waiting_for = _HEAD
            self.deadline = self.loop.time() + self.state.header_timeout_s

    def on_url(self, url: bytes) -> None:
        self.url += url
        if len(self.url) > MAX_TARGET:
            raise Rejected(414, f"The request target is longer than {MAX_TARGET} bytes.")

    def on_header(self, name: bytes, value: bytes) -> None:
        self.head_bytes += len(name) + len(value) + 4
        headers = self.headers
        if self.head_bytes > self.state.max_header_bytes or len(headers) >= self.state.max_header_count:
            raise Rejected(
                431,
                f"The request headers are larger than {self.state.max_header_bytes} bytes "
                f"or more than {self.state.max_header_count} lines.",
            )
        name = name.lower()
        if name == b"expect" and value.lower() == b"100-continue":
            self.expect = True
        elif name == b"transfer-encoding" and value.strip().lower() != b"chunked":
            # llhttp would refuse it only once the body comes, after the request was handed on; a coding
            # before chunked ("gzip, chunked") would reach the service as a body it cannot read.
            raise Rejected(400, "Transfer-Encoding other than chunked.")
        headers.append((name, value))

    def on_headers_complete(self) -> None:
        parser = self.parser
        try:
            # Untyped: httptools' stub says bytes where a part may be None (compiled code checks).
            parsed: Any = httptools.parse_url(self.url)
        except httptools.HttpParserInvalidURLError:
            raise Rejected(400, "Invalid request target.") from None
        raw_path: bytes | None = parsed.path
        if not raw_path or not raw_path.startswith(b"/"):
            raise Rejected(400, "The request target must be a path.")
        try:
            path = raw_path.decode("ascii")
        except UnicodeDecodeError:
            raise Rejected(400, "The request target is not ASCII.") from None
        if "%" in path:
            path = unquote(path)
        method = parser.get_method().decode("ascii")
        request = new_request(
            method, path, raw_path, parsed.query or b"", self.headers, self.peer, self.clients
        )
        exchange = Exchange(self, request)
        exchange.keep_alive = parser.should_keep_alive()
        exchange.http10 = parser.get_http_version() == "1.0"
        exchange.head_only = method == "HEAD"
        exchange.continue_ = self.expect
        self.parsing = exchange
        self.waiting_for = 0
        self.deadline = float("inf")
        if self.active is None:
            self._run(exchange)
        elif len(self.queued) >= MAX_QUEUED:
            raise Rejected(400, f"More than {MAX_QUEUED} pipelined requests wait for an answer.")
        else:
            self.queued.append(exchange)
            self.pause()

    def on_body(self, body: bytes) -> None:
        exchange = self.parsing
        if exchange is None or exchange.ended:
            return  # the answer went without it: dropped
        exchange.chunks.append(body)
        self.buffered += len(body)
        if self.buffered > BODY_HIGH_WATER:
            self.pause()
        exchange.wake()

    def on_message_complete(self) -> None:
        exchange = self.parsing
        if exchange is not None:
            exchange.complete = True
            exchange.wake()

    # Requests, in order ------------------------------------------------------------------------------

    def _run(self, exchange: Exchange) -> None:
        if exchange.request is None:
            self._reject_now(exchange.rejected or Rejected(400, "Invalid HTTP request."))
            return
        self.active = exchange
        task = self.loop.create_task(self.gateway.serve(exchange.request, exchange))
        task.add_done_callback(self._answered)

    def _answered(self, task: asyncio.Task[None]) -> None:
        exchange = self.active
        self.active = None
        if exchange is None or self.lost:
            return
        transport = self.transport
        if exchange.chunks:  # a body the gateway did not read
            self.buffered -= sum(len(c) for c in exchange.chunks)
            exchange.chunks.clear()
        if not exchange.ended:
            transport.close()  # cut short (the client left, or the upstream's answer broke off)
            return
        if not exchange.complete:
            self._linger()
            return
        if not exchange.keep_alive or self.state.closing:
            transport.close()
            return
        if self.queued:
            self._run(self.queued.popleft())
            self.resume()
            return
        if self.eof:
            transport.close()
            return
        self.waiting_for = _IDLE
        self.deadline = self.loop.time() + self.state.keep_alive_s
        self.resume()

    def _linger(self) -> None:
        """Read and drop the rest of an unread body for a while, then close: closing with unread bytes
        would reset the connection, and the client could lose the answer it has not read yet."""
        self.queued.clear()
        self.buffered = 0
        self.waiting_for = _LINGER
        self.deadline = self.loop.time() + LINGER_S
        with contextlib.suppress(OSError, RuntimeError, NotImplementedError):
            if self.transport.can_write_eof():
                self.transport.write_eof()
        self.resume()

    def _reject(self, rejected: Rejected) -> None:
        """Answer a request the parser or the limits refused, after the ones before it."""
        self.pause()
        self.waiting_for = _LINGER  # nothing more is parsed on this connection
        active = self.active
        if active is None:
            self._reject_now(rejected)
        elif self.parsing is active and not active.complete:
            active.broken = rejected  # its own body is malformed: refused when the gateway reads it
            active.wake()
        else:
            self.queued.append(Exchange(self, None, rejected))

    def _reject_now(self, rejected: Rejected) -> None:
        """Answer the refusal with ``Connection: close``, then linger and close."""
        status = rejected.status
        title = HTTPStatus(status).phrase
        code = title.lower().replace(" ", "-")
        body = json.dumps(problem_body(status, code, title, rejected.detail)).encode()
        head = b"%b%bcontent-type: %b\r\ncontent-length: %d\r\nconnection: close\r\n\r\n" % (
            status_line(status),
            self.state.date,
            PROBLEM_JSON.encode(),
            len(body),
        )
        self.transport.write(head + body)
        self._linger()

    # Flow control and deadlines ------------------------------------------------------------------------

    def pause(self) -> None:
        if not self.reading_paused and not self.lost:
            self.reading_paused = True
            self.transport.pause_reading()

    def resume(self) -> None:
        """Read again unless requests are queued or too much body waits."""
        if self.reading_paused and not self.queued and self.buffered <= BODY_HIGH_WATER and not self.lost:
            self.reading_paused = False
            self.transport.resume_reading()

    async def drain(self) -> None:
        if self.write_paused and not self.lost:
            if self._drain is None or self._drain.done():  # done: cancelled with the task that awaited it
                self._drain = self.loop.create_future()
            await self._drain

    def _release_drain(self) -> None:
        if self._drain is not None:
            if not self._drain.done():
                self._drain.set_result(None)
            self._drain = None

    async def gone(self) -> None:
        if self.lost or self.eof:
            return
        if self._gone is None or self._gone.done():  # done: cancelled with the task that awaited it
            self._gone = self.loop.create_future()
        await self._gone

    def timed_out(self) -> None:
        """The deadline passed: idle or lingering, the connection closes; a head still arriving gets 408."""
        now = self.loop.time()
        if (
            self.active is not None
        ):  # an answer in progress has deadlines of its own; here, a client not reading
            stuck = now - self.write_paused_at
            if self.write_paused and stuck >= self.state.send_timeout_s:
                logger.warning("answer cut: the client stopped reading", extra={"client": self.peer})
                self.abort()
            elif self.write_paused:
                self.deadline = self.write_paused_at + self.state.send_timeout_s
            else:
                self.deadline = now + self.state.header_timeout_s
            return
        self.deadline = float("inf")
        if self.waiting_for == _HEAD and (self.url or self.head_bytes):
            self.parsing = None
            timeout = self.state.header_timeout_s
            self._reject_now(Rejected(408, f"The request headers did not arrive within {timeout:g} s."))
        else:
            self.transport.close()

    def shut(self) -> None:
        if self.active is None and not self.queued:
            self.transport.close()

    def abort(self) -> None:
        if not self.lost:
            self.transport.abort()
