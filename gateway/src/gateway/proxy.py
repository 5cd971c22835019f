"""Forwarding one request to its upstream with aiohttp, streaming both bodies, with retries and a breaker."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
from starlette.types import Receive, Send
from yarl import URL

from gateway.breaker import CircuitBreaker
from gateway.responses import Headers, send_problem

logger = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
# RFC 9110 §7.6.1 connection-specific headers, plus the pre-standard ones proxies still meet.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "proxy-connection",
        "expect",
    }
)
_HOP_BY_HOP_BYTES = frozenset(h.encode() for h in HOP_BY_HOP)
# Bodies up to this size are read whole before forwarding: one write upstream, and a retry can resend it.
SMALL_BODY = 64 * 1024
# Upstream statuses that say "unavailable": they count against the breaker.
UNAVAILABLE = frozenset({502, 503, 504})


@dataclass(slots=True)
class Route:
    """Where a public path prefix goes and under which limits."""

    upstream: str
    match_prefix: str
    strip_len: int
    base_url: str
    timeout_s: float
    timeout: aiohttp.ClientTimeout
    max_body_bytes: int
    breaker: CircuitBreaker

    def matches(self, path: str) -> bool:
        prefix = self.match_prefix
        return path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/")


class BodyTooLarge(Exception):
    """A streamed (chunked) body went past the route's limit."""


class ClientGone(Exception):
    """The client disconnected while its body was being read."""


class _RequestBody:
    """The client's body as an async iterator, counted against the limit, read only as upstream takes it."""

    __slots__ = ("client_gone", "first", "limit", "more", "receive", "received", "started", "too_large")

    def __init__(self, receive: Receive, limit: int, first: bytes, more: bool) -> None:
        self.receive = receive
        self.limit = limit
        self.first = first
        self.more = more
        self.received = len(first)
        self.started = False
        self.too_large = False
        self.client_gone = False

    async def chunks(self) -> AsyncIterator[bytes]:
        self.started = True
        if self.first:
            yield self.first
        while self.more:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                self.client_gone = True
                raise ClientGone
            chunk: bytes = message.get("body", b"")
            self.received += len(chunk)
            if self.received > self.limit:
                self.too_large = True
                raise BodyTooLarge
            self.more = message.get("more_body", False)
            if chunk:
                yield chunk


async def read_small_body(receive: Receive, limit: int) -> tuple[bytes, bool, bool]:
    """Read up to ``SMALL_BODY`` bytes; returns (bytes, more_to_come, client_gone)."""
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"", False, True
        chunk: bytes = message.get("body", b"")
        parts.append(chunk)
        size += len(chunk)
        more: bool = message.get("more_body", False)
        if not more or size >= SMALL_BODY or size > limit:
            return b"".join(parts), more, False


async def _too_large(send: Send, route: Route, extra: Headers) -> int:
    """Answer 413 naming the route's limit."""
    await send_problem(
        send,
        413,
        "payload-too-large",
        "Request body too large",
        f"The limit for this route is {route.max_body_bytes} bytes.",
        extra,
    )
    return 413


class Proxy:
    """Sends requests upstream through one pooled aiohttp session."""

    def __init__(self, session: aiohttp.ClientSession, *, retries: int, retry_backoff_s: float) -> None:
        self.session = session
        self.retries = retries
        self.retry_backoff_s = retry_backoff_s

    async def forward(
        self,
        route: Route,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        has_body: bool,
        receive: Receive,
        send: Send,
        extra: Headers,
    ) -> int:
        """Forward the request and stream the answer back; returns the status sent to the client."""
        url = URL(route.base_url + target, encoded=True)
        body: _RequestBody | None = None
        if has_body:
            first, more, gone = await read_small_body(receive, route.max_body_bytes)
            if gone:
                route.breaker.release()
                return 499
            if len(first) > route.max_body_bytes:
                route.breaker.release()
                return await _too_large(send, route, extra)
            body = _RequestBody(receive, route.max_body_bytes, first, more)

        breaker = route.breaker
        attempt = 0
        while True:
            data: bytes | AsyncIterator[bytes] | None = None
            if body is not None:
                data = body.first if not body.more else body.chunks()
            try:
                response = await self.session.request(
                    method,
                    url,
                    headers=headers,
                    data=data,
                    allow_redirects=False,
                    timeout=route.timeout,
                    auto_decompress=False,
                )
            except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
                # Nothing reached the upstream: safe to retry an idempotent request whose body is unread.
                never_reached = body is None or not body.more or not body.started
                if attempt < self.retries and method in IDEMPOTENT_METHODS and never_reached:
                    attempt += 1
                    await asyncio.sleep(self.retry_backoff_s * attempt)
                    continue
                breaker.record_failure()
                timed_out = isinstance(exc, aiohttp.ConnectionTimeoutError)
                logger.warning("upstream %s unreachable: %r", route.upstream, exc)
                return await self._fail(send, extra, route, 504 if timed_out else 502)
            except (TimeoutError, aiohttp.ServerTimeoutError):
                breaker.record_failure()
                return await self._fail(send, extra, route, 504)
            except (aiohttp.ClientError, ClientGone, BodyTooLarge) as exc:
                if body is not None and body.too_large:
                    breaker.release()
                    return await _too_large(send, route, extra)
                if body is not None and body.client_gone:
                    breaker.release()
                    return 499
                breaker.record_failure()
                logger.warning("upstream %s failed: %r", route.upstream, exc)
                return await self._fail(send, extra, route, 502)
            break

        status = response.status
        if status in UNAVAILABLE:
            breaker.record_failure()
        else:
            breaker.record_success()
        try:
            await self._relay_response(response, send, extra)
        finally:
            response.release()
        return status

    async def _relay_response(self, response: aiohttp.ClientResponse, send: Send, extra: Headers) -> None:
        out: Headers = []
        for name, value in response.raw_headers:
            lname = name.lower()
            if (
                lname in _HOP_BY_HOP_BYTES
                or lname.startswith(b"access-control-")
                or lname in _DROPPED_RESPONSE
            ):
                continue
            out.append((lname, value))
        out.extend(extra)
        length = response.content_length
        if length is not None and length <= SMALL_BODY:
            try:
                payload = await response.read()
            except (aiohttp.ClientError, TimeoutError) as exc:
                logger.warning("upstream body failed: %r", exc)
                await send_problem(
                    send, 502, "bad-gateway", "Bad gateway", "The upstream answer broke off.", extra
                )
                return
            await send({"type": "http.response.start", "status": response.status, "headers": out})
            await send({"type": "http.response.body", "body": payload})
            return
        await send({"type": "http.response.start", "status": response.status, "headers": out})
        # Once the status is sent an upstream failure can only cut the connection, which the client sees.
        async for chunk in response.content.iter_any():
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    async def _fail(self, send: Send, extra: Headers, route: Route, status: int) -> int:
        if status == 504:
            await send_problem(
                send,
                504,
                "upstream-timeout",
                "Gateway timeout",
                f"The {route.upstream} service did not answer within {route.timeout_s:g} s.",
                extra,
                upstream=route.upstream,
            )
        else:
            await send_problem(
                send,
                502,
                "upstream-unavailable",
                "Bad gateway",
                f"The {route.upstream} service could not be reached.",
                extra,
                upstream=route.upstream,
            )
        return status


# The gateway's server writes its own Date; Server would only advertise the upstream's stack.
_DROPPED_RESPONSE = frozenset({b"date", b"server"})
