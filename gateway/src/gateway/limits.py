"""Limits a request meets before it costs an upstream much: rate limits, the declared body size, and
how many streamed uploads may hold upstream connections at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from prometheus_client import Counter

from gateway.config import RateLimitRule, Settings
from gateway.ratelimit import RateLimiter
from gateway.request import Request
from gateway.responses import Refusal
from gateway.routing import Route

K = TypeVar("K")


def declared_body_size(request: Request, max_body_bytes: int) -> int | None:
    """The ``Content-Length``, refused when unreadable or over the route's limit (before a byte is read)."""
    if request.content_length is None:
        return None
    try:
        declared = int(request.content_length)
    except ValueError:
        raise Refusal.bad_request("Invalid Content-Length.") from None
    if declared > max_body_bytes:
        raise Refusal.payload_too_large(max_body_bytes, declared)
    return declared


class RateLimits:
    """Picks a request's buckets (per IP, per tenant, per path) and takes a token from each, or refuses."""

    def __init__(self, settings: Settings, refused: Counter) -> None:
        self.refused = refused
        self.enabled = settings.rate_limit_enabled
        self.general = [r for r in settings.rate_limits if not r.paths]
        self.by_path: dict[str, list[RateLimitRule]] = {}
        for rule in settings.rate_limits:
            for path in rule.paths:
                self.by_path.setdefault(path, []).append(rule)
        self.limiter: RateLimiter | None = None

    async def check(self, request: Request, path: str, tenant: str | None) -> None:
        """Take a token from every bucket of the request, or refuse it with 429; its answer gets
        ``RateLimit-*`` headers either way."""
        if not self.enabled or self.limiter is None:
            return
        buckets = self.buckets(path, request.method, request.client_key, tenant)
        if not buckets:
            return
        decision = await self.limiter.check(buckets)
        request.response_headers.extend(decision.headers())
        if not decision.allowed:
            self.refused.labels(decision.rule.name).inc()
            raise Refusal.too_many_requests(decision.rule.name, decision.retry_after_s)

    def buckets(self, path: str, method: str, ip: str, tenant: str | None) -> list[tuple[RateLimitRule, str]]:
        """The (rule, key) pairs a request draws from."""
        out: list[tuple[RateLimitRule, str]] = []
        for rule in self.general:
            if rule.methods and method not in rule.methods:
                continue
            if rule.key == "ip":
                out.append((rule, ip))
            elif tenant is not None:
                out.append((rule, tenant))
        for rule in self.by_path.get(path, ()):
            if rule.methods and method not in rule.methods:
                continue
            key = ip if rule.key == "ip" else tenant
            if key is not None:
                out.append((rule, key))
        return out


class UploadSlots:
    """A streamed body holds an upstream connection for as long as its client takes to send it, so few may
    stream at once: ``per_client`` per client address and route, ``per_upstream`` per upstream, which
    leaves the rest of its pool to everyone else. Over either, the upload is refused at once."""

    def __init__(self, per_client: int, per_upstream: int) -> None:
        self.per_client = per_client
        self.per_upstream = per_upstream
        self._by_client: dict[tuple[str, str], int] = {}
        self._by_upstream: dict[str, int] = {}

    @contextmanager
    def hold(self, client: str, route: Route) -> Iterator[None]:
        """Hold one upload slot for ``client`` on ``route`` for the duration of the block."""
        key = (client, route.match_prefix)
        if self._by_client.get(key, 0) >= self.per_client:
            raise Refusal.too_many_uploads(self.per_client)
        if self._by_upstream.get(route.upstream, 0) >= self.per_upstream:
            raise Refusal.upstream_busy(route.upstream, "upload slot")
        self._by_client[key] = self._by_client.get(key, 0) + 1
        self._by_upstream[route.upstream] = self._by_upstream.get(route.upstream, 0) + 1
        try:
            yield
        finally:
            _decrement(self._by_client, key)
            _decrement(self._by_upstream, route.upstream)


class StreamSlots:
    """Long answers (``text/event-stream``: the live feed) live for hours, mostly idle. They give their
    upstream pool slot back once their headers arrive and hold one of these instead, so thousands of open
    feeds never take the connections API calls need: at most ``total`` streams at once through this
    process, ``per_client`` of them per client address."""

    def __init__(self, total: int, per_client: int) -> None:
        self.total = total
        self.per_client = per_client
        self.open = 0
        self._by_client: dict[str, int] = {}

    @contextmanager
    def hold(self, client: str, route: Route) -> Iterator[None]:
        """Hold one stream slot for ``client`` for the duration of the block."""
        if self._by_client.get(client, 0) >= self.per_client:
            raise Refusal.too_many_streams(self.per_client)
        if self.open >= self.total:
            raise Refusal.upstream_busy(route.upstream, "stream")
        self._by_client[client] = self._by_client.get(client, 0) + 1
        self.open += 1
        try:
            yield
        finally:
            self.open -= 1
            _decrement(self._by_client, client)


def _decrement(counts: dict[K, int], key: K) -> None:
    left = counts[key] - 1
    if left:
        counts[key] = left
    else:
        del counts[key]  # only clients with an upload in flight stay in memory
