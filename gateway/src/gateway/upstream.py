"""The upstream HTTP/1.1 client: keep-alive connections per origin, requests written, answers as ``Exchange``.

How many connections may be in use is the forwarder's ``UpstreamPool`` business (it bounds the wait); this
keeps the idle ones. An idle connection is reused newest first, and closed after ``keepalive_s`` unused
(below the services' own keep-alive, so the gateway is the side that closes) or as soon as the service
closes it. A reused connection that turns out to have been closed by the service before a byte of the
answer is retried once on a new connection when the request may be sent twice (idempotent method, body
in hand), and is otherwise a ``StaleConnection``.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from gateway.http1 import (
    ConnectError,
    Connection,
    ConnectTimeout,
    Exchange,
    StaleConnection,
    UpstreamError,
)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
# Methods whose request defines content: sent with "Content-Length: 0" when they have none.
_CONTENT_METHODS = frozenset({"POST", "PUT", "PATCH"})
_CRLF = b"\r\n"
_SEP = b": "

Body = bytes | AsyncIterator[bytes] | None


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a service is: ``http(s)://host:port`` and the path its routes are under."""

    key: str
    host: str
    port: int
    tls: bool
    host_header: bytes
    base_path: bytes

    @classmethod
    def parse(cls, url: str) -> Origin:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"an upstream URL must be http(s)://host[:port][/path]: {url!r}")
        tls = parts.scheme == "https"
        port = parts.port or (443 if tls else 80)
        host = parts.hostname
        netloc = f"[{host}]" if ":" in host else host
        default = port == (443 if tls else 80)
        return cls(
            key=f"{parts.scheme}://{netloc}:{port}",
            host=host,
            port=port,
            tls=tls,
            host_header=(netloc if default else f"{netloc}:{port}").encode("idna"),
            base_path=parts.path.rstrip("/").encode("latin-1"),
        )


class UpstreamClient:
    """Sends requests to services over pooled keep-alive connections."""

    def __init__(self, keepalive_s: float, *, connect_timeout_s: float = 2.0) -> None:
        self.keepalive_s = keepalive_s
        self.connect_timeout_s = connect_timeout_s
        self.idle: dict[str, list[Connection]] = {}
        self._sweeper: asyncio.TimerHandle | None = None
        self._tls: ssl.SSLContext | None = None
        self._closed = False

    async def request(
        self,
        origin: Origin,
        method: str,
        target: str,
        headers: list[tuple[bytes, bytes]],
        body: Body,
        *,
        length: int | None,
        timeout_s: float,
        connect_timeout_s: float | None = None,
    ) -> Exchange:
        """Send the request and return once the answer's head has arrived (its body is read from the
        ``Exchange``, which must then be ``release``d or ``discard``ed).

        ``body``: bytes (sent with their length), an async iterator (sent with ``length`` when known,
        else chunked), or None. Raises ``ConnectError`` when no connection could be opened,
        ``UpstreamTimeout`` after ``timeout_s`` without a byte, ``UpstreamError`` otherwise.
        """
        head = _request_head(method, origin, target, headers, body, length)
        connect_s = self.connect_timeout_s if connect_timeout_s is None else connect_timeout_s
        conn = self._idle(origin.key) or await self._connect(origin, connect_s)
        try:
            return await self._exchange(conn, method, head, body, length, timeout_s)
        except StaleConnection:
            if method not in IDEMPOTENT_METHODS or not (body is None or isinstance(body, bytes)):
                raise
        # The service had closed that idle connection: a new one, once; it never saw the request.
        conn = await self._connect(origin, connect_s)
        return await self._exchange(conn, method, head, body, length, timeout_s)

    async def _exchange(
        self, conn: Connection, method: str, head: bytes, body: Body, length: int | None, timeout_s: float
    ) -> Exchange:
        streamed = body is not None and not isinstance(body, bytes)
        exchange = Exchange(conn, method == "HEAD", timeout_s, sent=not streamed)
        conn.exchange = exchange
        writer: asyncio.Task[None] | None = None
        try:
            if streamed:
                conn.write(head)
                writer = asyncio.ensure_future(_write_stream(conn, body, length is None))  # type: ignore[arg-type]
                writer.add_done_callback(lambda task: _written(task, exchange))
            else:
                conn.write(head + body if body else head)  # type: ignore[operator]
            await exchange.head()
        except BaseException:
            if writer is not None and not writer.done():
                writer.cancel()
            conn.exchange = None
            conn.close()
            raise
        exchange.writer = writer
        return exchange

    def release(self, exchange: Exchange) -> None:
        """Done with an answer: its connection goes back to the idle ones when it can carry another."""
        conn = exchange.conn
        writer = exchange.writer
        whole = writer is None or (writer.done() and not writer.cancelled() and writer.exception() is None)
        conn.exchange = None
        if not (exchange.complete and exchange.keep_alive and whole) or conn.closed or self._closed:
            if writer is not None and not writer.done():
                writer.cancel()
            conn.close()
            return
        conn.reused = True
        conn.idle_since = conn.loop.time()
        idle = self.idle.setdefault(conn.origin, [])
        idle.append(conn)
        conn.on_lost = idle
        if self._sweeper is None:
            self._sweeper = conn.loop.call_later(self.keepalive_s, self._sweep)

    def discard(self, exchange: Exchange) -> None:
        """Done with an answer that is not to be reused (an event stream, or one cut short): close it."""
        writer = exchange.writer
        if writer is not None and not writer.done():
            writer.cancel()
        exchange.conn.exchange = None
        exchange.conn.close()

    async def close(self) -> None:
        """Close every idle connection; those in use close when released."""
        self._closed = True
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        for idle in list(self.idle.values()):
            for conn in list(idle):
                conn.close()
        self.idle.clear()

    def _idle(self, key: str) -> Connection | None:
        idle = self.idle.get(key)
        while idle:
            conn = idle.pop()
            conn.on_lost = None
            if not conn.closed and conn.loop.time() - conn.idle_since < self.keepalive_s:
                return conn
            conn.close()
        return None

    async def _connect(self, origin: Origin, timeout_s: float) -> Connection:
        loop = asyncio.get_running_loop()
        tls: ssl.SSLContext | None = None
        if origin.tls:
            tls = self._tls = self._tls or ssl.create_default_context()
        try:
            # wait_for, not `async with timeout`: compiled (mypyc), the refusal escaped the handlers below.
            _, conn = await asyncio.wait_for(
                loop.create_connection(
                    lambda: Connection(loop, origin.key), origin.host, origin.port, ssl=tls
                ),
                timeout_s,
            )
        except TimeoutError:
            raise ConnectTimeout(f"no connection to {origin.key} within {timeout_s:g} s") from None
        except OSError as exc:
            raise ConnectError(f"cannot connect to {origin.key}: {exc}") from None
        return conn

    def _sweep(self) -> None:
        """Close the connections idle for longer than the keep-alive."""
        self._sweeper = None
        now = asyncio.get_running_loop().time()
        remaining = 0
        for idle in self.idle.values():
            for conn in list(idle):
                if now - conn.idle_since >= self.keepalive_s:
                    conn.close()  # leaves the list through connection_lost, soon
                    idle.remove(conn)
                    conn.on_lost = None
            remaining += len(idle)
        if remaining and not self._closed:
            self._sweeper = asyncio.get_running_loop().call_later(self.keepalive_s / 2, self._sweep)


def _request_head(
    method: str,
    origin: Origin,
    target: str,
    headers: list[tuple[bytes, bytes]],
    body: Body,
    length: int | None,
) -> bytes:
    lines = [method.encode("ascii"), b" ", origin.base_path, target.encode("latin-1"), b" HTTP/1.1\r\nhost: "]
    lines.append(origin.host_header)
    lines.append(_CRLF)
    for name, value in headers:
        lines += (name, _SEP, value, _CRLF)
    if isinstance(body, bytes):
        if body or method in _CONTENT_METHODS:
            lines += (b"content-length: ", str(len(body)).encode(), _CRLF)
    elif body is not None:
        if length is None:
            lines.append(b"transfer-encoding: chunked\r\n")
        else:
            lines += (b"content-length: ", str(length).encode(), _CRLF)
    elif method in _CONTENT_METHODS:
        lines.append(b"content-length: 0\r\n")
    lines.append(_CRLF)
    return b"".join(lines)


async def _write_stream(conn: Connection, chunks: AsyncIterator[bytes], chunked: bool) -> None:
    """Write a streamed body as it comes, no faster than the service takes it."""
    async for chunk in chunks:
        if not chunk:
            continue
        conn.write(b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk)
        await conn.drain()
    if chunked:
        conn.write(b"0\r\n\r\n")


def _written(task: asyncio.Task[None], exchange: Exchange) -> None:
    """The body writer ended: whole, the read timeout starts; failed, the exchange fails with it."""
    if task.cancelled():
        return
    error = task.exception()
    if error is None:
        exchange.sent()
    else:  # the client's body failed (too large, too slow, gone) or the connection did
        exchange.fail(error if isinstance(error, UpstreamError) else UpstreamError(repr(error)))


__all__ = ["ConnectError", "Origin", "UpstreamClient", "UpstreamError"]
