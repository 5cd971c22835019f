"""The gateway's own endpoints: health, readiness, Prometheus metrics, the merged OpenAPI and its docs page."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import Send
from vitrine_kit.breaker import BreakerState, CircuitBreaker
from vitrine_kit.metrics import LATENCY_BUCKETS

from gateway.config import Settings
from gateway.openapi import SWAGGER_UI, OpenAPIAggregator
from gateway.ratelimit import RateLimiter
from gateway.request import Request
from gateway.responses import Refusal, send_bytes, send_json

LOCAL_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"})


class GatewayMetrics:
    """Prometheus figures of one gateway process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "gateway_requests_total", "Requests by upstream and status", ["upstream", "status"], registry=r
        )
        self.latency = Histogram(
            "gateway_request_duration_seconds",
            "Latency seen by the client, by upstream",
            ["upstream"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.rate_limited = Counter(
            "gateway_rate_limited_total", "Requests refused 429", ["rule"], registry=r
        )
        self.breaker_open = Gauge(
            "gateway_breaker_open", "1 while an upstream's breaker is not closed", ["upstream"], registry=r
        )
        self.ratelimit_fallback = Gauge(
            "gateway_ratelimit_fallback",
            "1 while rate limits are per replica (Redis unreachable)",
            registry=r,
        )
        self._children: dict[tuple[str, int], tuple[Any, Any]] = {}

    def observe(self, upstream: str, status: int, elapsed: float) -> None:
        """Count one answered request and its latency."""
        key = (upstream, status)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = (
                self.requests.labels(upstream, str(status)),
                self.latency.labels(upstream),
            )
        child[0].inc()
        child[1].observe(elapsed)


class Ops:
    """Answers ``LOCAL_PATHS``."""

    def __init__(
        self, settings: Settings, metrics: GatewayMetrics, breakers: dict[str, CircuitBreaker]
    ) -> None:
        self.settings = settings
        self.metrics = metrics
        self.breakers = breakers
        self.session: aiohttp.ClientSession | None = None
        self.limiter: RateLimiter | None = None
        self.openapi: OpenAPIAggregator | None = None

    def start(self, session: aiohttp.ClientSession, limiter: RateLimiter) -> None:
        s = self.settings
        self.session = session
        self.limiter = limiter
        self.openapi = OpenAPIAggregator(
            session, s.upstreams, ttl_s=s.openapi_cache_ttl_s, timeout_s=s.openapi_fetch_timeout_s
        )

    async def answer(self, request: Request, send: Send) -> int:
        """Serve one of ``LOCAL_PATHS``; returns the status sent."""
        if request.method not in ("GET", "HEAD"):
            raise Refusal.method_not_allowed(b"GET, HEAD")
        path, headers = request.path, request.response_headers
        if path == "/healthz":
            await send_json(send, 200, {"status": "ok"}, headers)
        elif path == "/readyz":
            await send_json(send, 200, await self.readiness(), headers)
        elif path == "/metrics":
            for name, breaker in self.breakers.items():
                self.metrics.breaker_open.labels(name).set(0 if breaker.state is BreakerState.CLOSED else 1)
            if self.limiter is not None:
                self.metrics.ratelimit_fallback.set(1 if self.limiter.using_fallback else 0)
            body = generate_latest(self.metrics.registry)
            await send_bytes(send, 200, body, b"text/plain; version=0.0.4; charset=utf-8", headers)
        elif path == "/openapi.json" and self.openapi is not None:
            await send_json(send, 200, await self.openapi.document(), headers)
        else:
            await send_bytes(send, 200, SWAGGER_UI, b"text/html; charset=utf-8", headers)
        return 200

    async def readiness(self) -> dict[str, Any]:
        """Each upstream's health and breaker, and the rate-limit store.

        Always answered 200 while the gateway itself works: one service down must not take every gateway
        replica out of the load balancer; ``status`` says "degraded" instead.
        """
        session = self.session
        if session is None:
            raise Refusal.internal()
        upstreams = self.settings.upstreams
        timeout = aiohttp.ClientTimeout(total=self.settings.readiness_timeout_s)

        async def probe(name: str) -> tuple[str, dict[str, Any]]:
            up = upstreams[name]
            started = time.perf_counter()
            try:
                async with session.get(up.url.rstrip("/") + up.health_path, timeout=timeout) as response:
                    healthy = response.status == 200
                    detail = f"HTTP {response.status}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                healthy, detail = False, type(exc).__name__
            return name, {
                "url": up.url,
                "healthy": healthy,
                "detail": detail,
                "breaker": self.breakers[name].state.value,
                "latency_ms": round((time.perf_counter() - started) * 1000, 1),
            }

        results = dict(await asyncio.gather(*(probe(n) for n in upstreams)))
        redis_ok = await self.limiter.ping() if self.limiter is not None else False
        all_ok = redis_ok and all(r["healthy"] and r["breaker"] == "closed" for r in results.values())
        return {
            "status": "ok" if all_ok else "degraded",
            "upstreams": results,
            "rate_limit_store": {
                "redis": redis_ok,
                "fallback": bool(self.limiter and self.limiter.using_fallback),
            },
        }
