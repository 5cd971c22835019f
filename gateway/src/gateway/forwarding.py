"""Forwarding: the upstream call through the route's breaker, with retries, streaming both bodies."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator
from contextlib import nullcontext

from vitrine_kit import tracing
from vitrine_kit.breaker import Attempt, BreakerOpen

from gateway.auth import IdentityHeaders
from gateway.body import SMALL_BODY, RequestBody
from gateway.client import ClientAddresses
from gateway.downstream import ClientGone, Downstream, Headers
from gateway.http1 import ConnectError, Exchange, StaleConnection, UpstreamError
from gateway.limits import StreamSlots, UploadSlots
from gateway.request import Request
from gateway.responses import Refusal
from gateway.routing import Route, Target
from gateway.upstream import IDEMPOTENT_METHODS, UpstreamClient

logger = logging.getLogger(__name__)

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
# Set by the gateway for the upstream; a client's own copies are replaced (the body's framing included:
# the client writes Content-Length or chunked for the body it sends).
# An outside caller's trace context is dropped too: it chooses neither our trace ids nor our sampling.
_REPLACED = frozenset(
    {
        b"host",
        b"content-length",
        b"x-request-id",
        b"x-forwarded-for",
        b"x-forwarded-proto",
        b"x-forwarded-host",
        b"x-forwarded-prefix",
        b"traceparent",
        b"tracestate",
    }
)
_NOT_FORWARDED = _HOP_BY_HOP_BYTES | _REPLACED
# Date is the gateway server's, Server would advertise the upstream's stack, X-Request-Id is added once.
_DROPPED_RESPONSE = frozenset({b"date", b"server", b"x-request-id"})
_DROPPED_304 = _DROPPED_RESPONSE | {b"content-length"}
# Statuses that may mean "unavailable"; see ``is_outage``.
UNAVAILABLE = frozenset({502, 503, 504})
_PROBLEM_JSON = "application/problem+json"
EVENT_STREAM = "text/event-stream"


def is_outage(response: Exchange) -> bool:
    """Whether an answer says the service itself is down: a 502/503/504 it did not write itself.

    Services answer their own errors as problem+json, so a 502 about a marketplace or a 503 about a
    dependency is an application answer (any client could provoke it) and never opens the breaker; a
    bare 502/503/504 comes from a proxy in front of a dead service or a server that is not up.
    """
    return response.status in UNAVAILABLE and response.content_type != _PROBLEM_JSON


def is_event_stream(response: Exchange) -> bool:
    """Whether an answer is a Server-Sent Events stream: open for as long as its client listens."""
    return response.content_type == EVENT_STREAM


class Slots:
    """A counting semaphore for one event loop. A free slot is taken with a decrement (no await, no lock:
    this runs twice per request); when none is free the caller waits its turn (first come, first served)
    for one handed over by ``give``."""

    def __init__(self, size: int) -> None:
        self.free = size
        self._waiters: deque[asyncio.Future[None]] = deque()

    def take_now(self) -> bool:
        """Take a slot if one is free and nobody waits for one."""
        if self.free > 0 and not self._waiters:
            self.free -= 1
            return True
        return False

    async def take(self) -> None:
        """Take a slot, waiting for one if need be."""
        if self.take_now():
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.give()  # handed a slot, then cancelled before using it: the next one gets it
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            raise

    def give(self) -> None:
        """Give a slot back: to the first waiter still waiting, else to the free ones."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.free += 1


class UpstreamPool:
    """Upstream connections, counted here so that waiting for one is bounded (``wait_s``) and told apart
    from an outage: a full pool is refused 503 for that request only and never counts against a breaker."""

    def __init__(self, total: int, per_origin: int, wait_s: float) -> None:
        self.total = Slots(total)
        self.per_origin_size = per_origin
        self.per_origin: dict[str, Slots] = {}
        self.wait_s = wait_s

    def connection(self, route: Route) -> _PoolSlot:
        """Hold one connection's worth of the pool to ``route``'s origin for the duration of the block."""
        origin = self.per_origin.get(route.origin)
        if origin is None:
            origin = self.per_origin[route.origin] = Slots(self.per_origin_size)
        return _PoolSlot(self, route, origin)


class _PoolSlot:
    """``async with``: one slot of the total and one of the origin's (a class: this runs on every request)."""

    __slots__ = ("origin", "pool", "route")

    def __init__(self, pool: UpstreamPool, route: Route, origin: Slots) -> None:
        self.pool = pool
        self.route = route
        self.origin = origin

    async def __aenter__(self) -> None:
        total, origin = self.pool.total, self.origin
        if total.take_now():
            if origin.take_now():
                return  # both free: taken without a wait, so without a timer
            total.give()
        try:
            await asyncio.wait_for(self._take_both(), self.pool.wait_s)
        except TimeoutError:
            raise Refusal.upstream_busy(self.route.upstream, "connection") from None

    async def _take_both(self) -> None:
        total = self.pool.total
        await total.take()
        try:
            await self.origin.take()
        except BaseException:
            total.give()
            raise

    async def __aexit__(self, *_: object) -> None:
        self.origin.give()
        self.pool.total.give()


class Forwarder:
    """Sends a routed request upstream over the client's pooled connections and relays the answer.

    In order: the body's first 64 KiB (all of a small body) is read before anything upstream is held; a
    streamed body takes an upload slot; the breaker admits the call; a pool connection is taken; the call
    is made (retried when it never reached the service); the answer is streamed back. An event stream
    gives its pool connection back once answered and holds a stream slot instead (``StreamSlots``).
    """

    def __init__(
        self,
        client: UpstreamClient,
        pool: UpstreamPool,
        uploads: UploadSlots,
        streams: StreamSlots,
        clients: ClientAddresses,
        identity: IdentityHeaders,
        *,
        retries: int,
        retry_backoff_s: float,
    ) -> None:
        self.client = client
        self.pool = pool
        self.uploads = uploads
        self.streams = streams
        self.clients = clients
        self.identity = identity
        self.retries = retries
        self.retry_backoff_s = retry_backoff_s
        tracing.configure_tracing("gateway")

    async def forward(
        self, request: Request, target: Target, declared: int | None, client: Downstream
    ) -> int:
        """Forward the request and stream the answer back; returns the status sent to the client."""
        route = target.route
        # Refused at once while the breaker is open: no need to read a body first.
        if (wait := route.breaker.retry_after_s()) > 0:
            raise Refusal.upstream_failing(route.upstream, wait)
        body: RequestBody | None = None
        if (declared is not None and declared > 0) or request.chunked:
            body = await RequestBody.open(client, route.body)
        upload = (
            self.uploads.hold(request.client_key, route)
            if body is not None and body.streamed
            else nullcontext()
        )
        with upload:
            try:
                with route.breaker.attempt() as attempt:
                    async with self.pool.connection(route):
                        response = await self._send(request, target, declared, body, attempt)
                        if not is_event_stream(response):
                            try:
                                await self._relay(request, route, response, client)
                            finally:
                                self.client.release(response)  # reused only if whole and keep-alive
                            return response.status
            except BreakerOpen as exc:
                raise Refusal.upstream_failing(route.upstream, exc.retry_after_s) from None
        # An event stream: the breaker has its answer (the service is up) and the pool its connection back;
        # how the stream ends later (the client leaves, the service ends it) says nothing about an outage.
        try:
            with self.streams.hold(request.client_key, route):
                watch = body is None or not body.more
                await self._relay_stream(request, route, response, client, watch)
        finally:
            self.client.discard(response)  # never back to the pool: a stream's connection is not reused
        return response.status

    async def _send(
        self,
        request: Request,
        target: Target,
        declared: int | None,
        body: RequestBody | None,
        attempt: Attempt,
    ) -> Exchange:
        route = target.route
        headers = self.upstream_headers(request, route)
        # The client's deadline only ticks while it is read: this bounds an upstream that stops reading.
        streamed_until = body.deadline + route.timeout_s if body is not None and body.streamed else None
        tries = 0
        while True:
            data: bytes | AsyncIterator[bytes] | None = None
            if body is not None:
                data = body.chunks() if body.streamed else body.first
            try:
                if streamed_until is None and not tracing.enabled():  # the common case, without wrappers
                    response = await self._request(request, target, headers, data, declared)
                else:
                    bound = nullcontext() if streamed_until is None else asyncio.timeout_at(streamed_until)
                    # A client span up to the answer's head; the upstream's spans are its children.
                    async with bound:
                        with tracing.span(
                            f"{request.method} {route.upstream}", kind=tracing.SpanKind.CLIENT
                        ) as span:
                            traced = [*headers, *_encoded(tracing.inject())]
                            response = await self._request(request, target, traced, data, declared)
                            tracing.answered(span, response.status)
            except (UpstreamError, TimeoutError, ClientGone, Refusal) as exc:
                # Too large, too slow, or gone: the client's doing, not the upstream's.
                if body is not None and body.failure is not None:
                    raise body.failure from None
                if isinstance(exc, Refusal | ClientGone):
                    raise
                if isinstance(exc, StaleConnection):  # closed by the service while idle: not an outage
                    logger.warning("upstream %s closed a pooled connection: %r", route.upstream, exc)
                    raise Refusal.upstream_unreachable(route.upstream) from None
                never_reached = isinstance(exc, ConnectError) and (body is None or not body.started)
                # Nothing reached the upstream: safe to retry an idempotent request whose body is unread.
                if never_reached and tries < self.retries and request.method in IDEMPOTENT_METHODS:
                    tries += 1
                    await asyncio.sleep(self.retry_backoff_s * tries)
                    continue
                attempt.failed()
                logger.warning("upstream %s failed: %r", route.upstream, exc)
                if isinstance(exc, TimeoutError):
                    raise Refusal.upstream_timeout(route.upstream, route.timeout_s) from None
                raise Refusal.upstream_unreachable(route.upstream) from None
            if is_outage(response):
                attempt.failed()
            else:
                attempt.succeeded()
            return response

    async def _request(
        self,
        request: Request,
        target: Target,
        headers: list[tuple[bytes, bytes]],
        data: bytes | AsyncIterator[bytes] | None,
        declared: int | None,
    ) -> Exchange:
        route = target.route
        return await self.client.request(
            route.address,
            request.method,
            target.upstream_target,
            headers,
            data,
            length=declared,
            timeout_s=route.timeout_s,
            connect_timeout_s=route.connect_timeout_s,
        )

    def upstream_headers(self, request: Request, route: Route) -> list[tuple[bytes, bytes]]:
        """The client's headers minus hop-by-hop and identity ones, plus ``X-Forwarded-*`` (the prefix the
        gateway cut, so services write public ``Location`` URLs) and the request id."""
        connection_listed: set[bytes] = set()
        out: list[tuple[bytes, bytes]] = []
        host = b""
        identity = self.identity
        drop_authorization = request.session_token is not None
        for name, value in request.headers:  # names are lower case (the server's parser)
            if name in _NOT_FORWARDED:
                if name == b"host":
                    host = value
                elif name == b"connection":
                    connection_listed.update(t.strip().lower() for t in value.split(b","))
                continue
            if identity.has_raw(name) or (drop_authorization and name == b"authorization"):
                continue
            out.append((name, value))
        if connection_listed:
            out = [(n, v) for n, v in out if n not in connection_listed]
        forwarded_for = self.clients.forwarded_for(request.peer, request.forwarded_for)
        out.append((b"x-forwarded-for", forwarded_for.encode("latin-1")))
        out.append((b"x-forwarded-proto", request.scheme.encode("latin-1")))
        if host:
            out.append((b"x-forwarded-host", host))
        out.append((b"x-forwarded-prefix", route.forwarded_prefix))
        out.append((b"x-request-id", request.id.encode("latin-1")))
        if request.session_token is not None:
            # Services verify the bearer token again, whichever way the client presented it.
            out.append((b"authorization", b"Bearer " + request.session_token.encode("latin-1")))
        return out

    def _response_headers(self, request: Request, response: Exchange) -> Headers:
        out: Headers = []
        # A 304 may state the length of the body it does not have; passed on, the server would expect it.
        dropped = _DROPPED_304 if response.status == 304 else _DROPPED_RESPONSE
        for name, value in response.headers:
            lname = name.lower()
            if lname in _HOP_BY_HOP_BYTES or lname in dropped or lname.startswith(b"access-control-"):
                continue
            out.append((lname, value))
        out.extend(request.response_headers)
        return out

    async def _relay(self, request: Request, route: Route, response: Exchange, client: Downstream) -> None:
        out = self._response_headers(request, response)
        length = response.content_length
        if length is not None and length <= SMALL_BODY:
            try:
                payload = await response.read()
            except (UpstreamError, TimeoutError) as exc:
                logger.warning("upstream body failed: %r", exc)
                raise Refusal.answer_broke_off(route.upstream) from None
            request.responded = True
            await client.answer(response.status, out, payload)
            return
        request.responded = True
        await client.start(response.status, out)
        await self._pump(route, response, client)

    async def _pump(self, route: Route, response: Exchange, client: Downstream) -> None:
        try:
            while chunk := await response.chunk():
                await client.write(chunk)
        except (UpstreamError, TimeoutError) as exc:
            # The status is sent: the answer can only be cut short, never ended as if it were whole.
            logger.warning("upstream %s answer broke off: %r", route.upstream, exc)
            raise Refusal.answer_broke_off(route.upstream) from None
        await client.end()

    async def _relay_stream(
        self,
        request: Request,
        route: Route,
        response: Exchange,
        client: Downstream,
        watch: bool,
    ) -> None:
        """Relay an event stream until the service ends it or the client leaves; a server keeps accepting
        writes to a client that left, so without watching for ``http.disconnect`` an idle stream would hold
        the service's end open for ever."""
        request.responded = True
        out = self._response_headers(request, response)
        await client.start(response.status, out)
        if not watch:
            await self._pump(route, response, client)
            return
        pump = asyncio.ensure_future(self._pump(route, response, client))
        gone = asyncio.ensure_future(client.disconnected())
        try:
            await asyncio.wait((pump, gone), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (pump, gone):
                task.cancel()
            await asyncio.wait((pump, gone))
        if pump.done() and not pump.cancelled():
            pump.result()  # ended by the service: its failure, if any, is the client's answer
            return
        raise ClientGone


def _encoded(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
