"""The gateway's own endpoints: health, readiness, Prometheus metrics, the merged OpenAPI and its docs page."""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import math
import time
from collections.abc import Callable, Iterable
from typing import Any

import aiohttp
from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString
from vitrine_kit.breaker import BreakerState, CircuitBreaker
from vitrine_kit.metrics import LATENCY_BUCKETS
from vitrine_kit.ops import Health

from gateway.config import Settings
from gateway.downstream import Downstream
from gateway.limits import RateLimits
from gateway.openapi import DOCS_HEADERS, DOCS_PATHS, OpenAPIAggregator, docs_file
from gateway.request import Request
from gateway.responses import Refusal, send_bytes, send_json
from gateway.traffic import Traffic

HEALTH = Health().model_dump()  # the body every process of the fleet answers /healthz with
LOCAL_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/openapi.json", *DOCS_PATHS})
# What the services behind the gateway and their state look like: for probes and scrapers inside the cluster.
OPERATOR_PATHS = frozenset({"/readyz", "/metrics"})
# Headers a proxy (the Ingress, a load balancer) adds: a request carrying one came from outside.
_PROXIED = (b"x-forwarded-for", b"forwarded", b"x-real-ip")


def operator_caller(request: Request) -> bool:
    """A direct call from this host or a private network (the kubelet's probe, Prometheus in the cluster):
    not a request that came through a proxy, nor one from a public address. The client cannot remove the
    ``X-Forwarded-For`` the Ingress adds, so an outside caller never qualifies, whatever it sends."""
    if any(name in _PROXIED for name, _ in request.headers):
        return False
    try:
        address = ipaddress.ip_address(request.peer)
    except ValueError:
        return False
    return address.is_loopback or address.is_private


# How prometheus_client writes a bucket's bound (``le``), so the series are named as its Histogram names them.
_go_float: Callable[[float], str] = floatToGoString


class TrafficCollector(Collector):
    """``gateway_requests_total`` and ``gateway_request_duration_seconds`` from ``Traffic``'s counts, as
    prometheus_client's Counter and Histogram would give them (every counter's ``_created`` is the process's
    start, not the first request of its labels)."""

    def __init__(self, traffic: Traffic, created: float) -> None:
        self.traffic = traffic
        self.created = created

    def collect(self) -> Iterable[Metric]:
        requests = CounterMetricFamily(
            "gateway_requests", "Requests by upstream and status", labels=["upstream", "status"]
        )
        for (upstream, status), count in sorted(self.traffic.requests.items()):
            requests.add_metric([upstream, str(status)], count, created=self.created)
        latency = HistogramMetricFamily(
            "gateway_request_duration_seconds", "Latency seen by the client, by upstream", labels=["upstream"]
        )
        bounds = [*(_go_float(b) for b in self.traffic.bounds), "+Inf"]
        for upstream, counts in sorted(self.traffic.latency.items()):
            cumulative = list(itertools.accumulate(counts[:-1]))
            latency.add_metric([upstream], list(zip(bounds, cumulative, strict=True)), counts[-1])
        yield requests
        yield latency


class GatewayMetrics:
    """Prometheus figures of one gateway process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        # Counted on every request: plain counts (traffic.py), turned into Prometheus families at scrape.
        self.traffic = Traffic(LATENCY_BUCKETS)
        r.register(TrafficCollector(self.traffic, time.time()))
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
        self.streams_open = Gauge(
            "gateway_streams_open", "Event streams open (each holds a stream slot)", registry=r
        )


class Ops:
    """Answers ``LOCAL_PATHS``. Each is public, so each but ``/healthz`` (a constant, for load balancers)
    draws from the per-IP rate limits like any public route."""

    def __init__(
        self,
        settings: Settings,
        metrics: GatewayMetrics,
        breakers: dict[str, CircuitBreaker],
        limits: RateLimits,
    ) -> None:
        self.settings = settings
        self.metrics = metrics
        self.breakers = breakers
        self.limits = limits
        self.session: aiohttp.ClientSession | None = None
        self.openapi: OpenAPIAggregator | None = None
        # Upstream health as last probed, and when: /readyz probes at most once per readiness_cache_s.
        self._health: dict[str, dict[str, Any]] = {}
        self._redis_ok = False
        self._probed_at = -math.inf
        self._probing = asyncio.Lock()

    def start(self, session: aiohttp.ClientSession) -> None:
        s = self.settings
        self.session = session
        self.openapi = OpenAPIAggregator(
            session,
            s.upstreams,
            ttl_s=s.openapi_cache_ttl_s,
            timeout_s=s.openapi_fetch_timeout_s,
            hidden_prefixes=s.blocked_upstream_prefixes,
        )

    async def answer(self, request: Request, client: Downstream) -> int:
        """Serve one of ``LOCAL_PATHS``; returns the status sent."""
        if request.method not in ("GET", "HEAD"):
            raise Refusal.method_not_allowed(b"GET, HEAD")
        path, headers = request.path, request.response_headers
        if path in OPERATOR_PATHS and not operator_caller(request):
            raise Refusal.not_found()  # as for any path nothing serves: its existence is not told
        if path != "/healthz":
            await self.limits.check(request, path, None)
        if path == "/healthz":
            await send_json(client, 200, HEALTH, headers)
        elif path == "/readyz":
            await send_json(client, 200, await self.readiness(), headers)
        elif path == "/metrics":
            for name, breaker in self.breakers.items():
                self.metrics.breaker_open.labels(name).set(0 if breaker.state is BreakerState.CLOSED else 1)
            if (limiter := self.limits.limiter) is not None:
                self.metrics.ratelimit_fallback.set(1 if limiter.using_fallback else 0)
            body = generate_latest(self.metrics.registry)
            await send_bytes(client, 200, body, b"text/plain; version=0.0.4; charset=utf-8", headers)
        elif path == "/openapi.json" and self.openapi is not None:
            await send_json(client, 200, await self.openapi.document(), headers)
        else:
            body, content_type = docs_file(path)
            await send_bytes(client, 200, body, content_type, [*headers, *DOCS_HEADERS])
        return 200

    async def readiness(self) -> dict[str, Any]:
        """Each upstream's health and breaker, and the rate-limit store.

        Always answered 200 while the gateway itself works: one service down must not take every gateway
        replica out of the load balancer; ``status`` says "degraded" instead. Health is probed at most once
        per ``readiness_cache_s`` (one probe round at a time, the others wait for it); breakers are live.
        """
        await self._probe_health()
        results = {
            name: {**health, "breaker": self.breakers[name].state.value}
            for name, health in self._health.items()
        }
        redis_ok = self._redis_ok
        all_ok = redis_ok and all(r["healthy"] and r["breaker"] == "closed" for r in results.values())
        return {
            "status": "ok" if all_ok else "degraded",
            "upstreams": results,
            "rate_limit_store": {
                "redis": redis_ok,
                "fallback": bool(self.limits.limiter and self.limits.limiter.using_fallback),
            },
        }

    async def _probe_health(self) -> None:
        ttl = self.settings.readiness_cache_s
        if time.monotonic() - self._probed_at < ttl:
            return
        async with self._probing:
            if time.monotonic() - self._probed_at < ttl:
                return  # probed while this request waited for the lock
            session = self.session
            if session is None:
                raise RuntimeError("readiness is probed only after start()")
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
                    "latency_ms": round((time.perf_counter() - started) * 1000, 1),
                }

            self._health = dict(await asyncio.gather(*(probe(n) for n in upstreams)))
            limiter = self.limits.limiter
            self._redis_ok = await limiter.ping() if limiter is not None else False
            self._probed_at = time.monotonic()
