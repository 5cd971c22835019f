"""The gateway as a raw ASGI app: it is on every request, so nothing here is framework overhead."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import time
import uuid
from typing import Any

import aiohttp
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import Receive, Scope, Send
from vitrine_kit.auth.jwt import TokenVerifier, verifier_from_settings
from vitrine_kit.logging import configure_logging, request_id_var
from vitrine_kit.metrics import LATENCY_BUCKETS

from gateway.auth import CachedVerifier, InvalidToken, bearer_token
from gateway.breaker import BreakerState, CircuitBreaker
from gateway.config import RateLimitRule, Settings
from gateway.cors import Cors
from gateway.openapi import SWAGGER_UI, OpenAPIAggregator
from gateway.proxy import HOP_BY_HOP, Proxy, Route
from gateway.ratelimit import RateLimiter
from gateway.responses import Headers, send_bytes, send_json, send_problem

logger = logging.getLogger("gateway")
access_log = logging.getLogger("vitrine.access")

_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:-]{8,128}$")
# Set by the gateway for the upstream; a client's own copies are replaced.
_REPLACED = frozenset({"host", "x-request-id", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"})
_UNAUTHORIZED = [(b"www-authenticate", b'Bearer realm="vitrine"')]
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


class PublicRoutes:
    """The allow-list: exact paths, and prefixes written with a trailing ``*``."""

    def __init__(self, patterns: list[str]) -> None:
        self.exact = frozenset(p for p in patterns if not p.endswith("*"))
        self.prefixes = tuple(p[:-1] for p in patterns if p.endswith("*"))

    def __contains__(self, path: str) -> bool:
        return path in self.exact or (bool(self.prefixes) and path.startswith(self.prefixes))


def _has_dot_segment(path: str) -> bool:
    # "/public/../private" would pass the allow-list as one path and reach another upstream route.
    return "/." in path and any(seg in (".", "..") for seg in path.split("/"))


class Gateway:
    """Routes ``/api/<service>/…`` to services after CORS, authentication, rate limits and body limits."""

    def __init__(self, settings: Settings | None = None, *, verifier: TokenVerifier | None = None) -> None:
        self.settings = s = settings or Settings()
        self.metrics = GatewayMetrics()
        self.cors = Cors(s)
        self.public = PublicRoutes(s.public_routes)
        self.identity_headers = frozenset(h.lower() for h in s.identity_headers)
        self.identity_prefixes = tuple(p.lower() for p in s.identity_header_prefixes)
        self.blocked = frozenset(s.blocked_upstream_paths)
        self.trusted_proxies = [ipaddress.ip_network(n, strict=False) for n in s.trusted_proxies]
        self.breakers = {
            name: CircuitBreaker(name, failure_threshold=s.breaker_failure_threshold, open_s=s.breaker_open_s)
            for name in s.upstreams
        }
        self.routes = self._build_routes()
        self._verifier = verifier or verifier_from_settings(s)
        self.tokens = CachedVerifier(self._verifier, size=s.token_cache_size, ttl_s=s.token_cache_ttl_s)
        self._general_rules = [r for r in s.rate_limits if not r.paths]
        self._path_rules: dict[str, list[RateLimitRule]] = {}
        for rule in s.rate_limits:
            for path in rule.paths:
                self._path_rules.setdefault(path, []).append(rule)
        self._status_children: dict[tuple[str, int], Any] = {}
        self.session: aiohttp.ClientSession | None = None
        self.proxy: Proxy | None = None
        self.limiter: RateLimiter | None = None
        self.openapi: OpenAPIAggregator | None = None

    def _build_routes(self) -> list[Route]:
        s = self.settings
        routes: list[Route] = []
        for name, up in s.upstreams.items():
            prefix = up.prefix.rstrip("/")
            base = up.url.rstrip("/")

            def make(
                match: str,
                timeout_s: float,
                max_body: int,
                *,
                _n: str = name,
                _p: str = prefix,
                _b: str = base,
                _c: float = up.connect_timeout_s,
            ) -> Route:
                return Route(
                    upstream=_n,
                    match_prefix=match,
                    strip_len=len(_p),
                    base_url=_b,
                    timeout_s=timeout_s,
                    timeout=aiohttp.ClientTimeout(total=None, connect=_c, sock_read=timeout_s),
                    max_body_bytes=max_body,
                    breaker=self.breakers[_n],
                )

            routes.append(make(prefix, up.timeout_s, up.max_body_bytes))
            for override in s.route_overrides:
                o_prefix = override.prefix.rstrip("/")
                if o_prefix.startswith(prefix + "/"):
                    routes.append(
                        make(
                            o_prefix,
                            override.timeout_s or up.timeout_s,
                            override.max_body_bytes or up.max_body_bytes,
                        )
                    )
        routes.sort(key=lambda r: len(r.match_prefix), reverse=True)
        return routes

    def route_for(self, path: str) -> Route | None:
        """The route with the longest prefix matching ``path``."""
        for route in self.routes:
            if route.matches(path):
                return route
        return None

    # -- lifecycle -------------------------------------------------------------------------------

    async def startup(self) -> None:
        """Open the upstream connection pool and the rate-limit store."""
        s = self.settings
        connector = aiohttp.TCPConnector(
            limit=s.upstream_pool_size,
            limit_per_host=s.upstream_pool_size_per_host,
            keepalive_timeout=s.upstream_keepalive_s,
            ttl_dns_cache=300,
        )
        # No cookie jar: cookies belong to the client, a shared jar would leak them between users.
        self.session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            skip_auto_headers=("User-Agent", "Accept-Encoding", "Accept"),
        )
        self.proxy = Proxy(
            self.session, retries=s.upstream_retries, retry_backoff_s=s.upstream_retry_backoff_s
        )
        self.limiter = RateLimiter(
            s.redis_url,
            key_prefix=s.rate_limit_key_prefix,
            timeout_s=s.rate_limit_redis_timeout_s,
            fallback_s=s.rate_limit_fallback_s,
            replicas=s.replicas,
        )
        self.openapi = OpenAPIAggregator(
            self.session, s.upstreams, ttl_s=s.openapi_cache_ttl_s, timeout_s=s.openapi_fetch_timeout_s
        )
        logger.info("gateway ready", extra={"upstreams": {n: u.url for n, u in s.upstreams.items()}})

    async def shutdown(self) -> None:
        """Close pools."""
        if self.session is not None:
            await self.session.close()
        if self.limiter is not None:
            await self.limiter.close()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:
                    logger.exception("startup failed")
                    await send({"type": "lifespan.startup.failed", "message": repr(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    # -- requests ----------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        else:  # websockets go to relay-service directly, not through the gateway
            await send({"type": "websocket.close", "code": 1008})

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        rid_in = origin = authorization = content_length = te = xff = None
        for name, value in headers:
            if name == b"x-request-id":
                rid_in = value
            elif name == b"origin":
                origin = value
            elif name == b"authorization":
                authorization = value
            elif name == b"content-length":
                content_length = value
            elif name == b"transfer-encoding":
                te = value
            elif name == b"x-forwarded-for":
                xff = value
        rid = rid_in.decode() if rid_in is not None and _REQUEST_ID.match(rid_in) else uuid.uuid4().hex
        token = request_id_var.set(rid)
        extra: Headers = [(b"x-request-id", rid.encode())]
        method: str = scope["method"]
        path: str = scope["path"]
        upstream = "gateway"
        status = 500
        try:
            if origin is not None and method == "OPTIONS":
                requested_method, requested_headers = _preflight_request(headers)
                if requested_method is not None:
                    status = await self._answer_preflight(send, origin, requested_headers, extra)
                    return
            if origin is not None and self.cors.allows(origin):
                extra.extend(self.cors.response_headers(origin))
            if path in LOCAL_PATHS:
                status = await self._local(path, method, send, extra)
                return
            route = self.route_for(path)
            if route is None:
                status = 404
                await send_problem(send, 404, "not-found", "Not found", "No service serves this path.", extra)
                return
            upstream = route.upstream
            upstream_path = path[route.strip_len :] or "/"
            if _has_dot_segment(path) or upstream_path in self.blocked:
                status = 404
                await send_problem(send, 404, "not-found", "Not found", "No service serves this path.", extra)
                return

            # Body limits before anything is read: a declared size over the limit never gets a byte read.
            declared: int | None = None
            if content_length is not None:
                try:
                    declared = int(content_length)
                except ValueError:
                    status = 400
                    await send_problem(
                        send, 400, "bad-request", "Bad request", "Invalid Content-Length.", extra
                    )
                    return
                if declared > route.max_body_bytes:
                    status = 413
                    await send_problem(
                        send,
                        413,
                        "payload-too-large",
                        "Request body too large",
                        f"The body is {declared} bytes; the limit for this route is {route.max_body_bytes}.",
                        extra,
                    )
                    return

            client_ip = self._client_ip(scope, xff)
            tenant: str | None = None
            if path not in self.public:
                token_str = bearer_token(authorization)
                if token_str is None:
                    status = 401
                    await send_problem(
                        send,
                        401,
                        "unauthorized",
                        "Authentication required",
                        "A bearer access token is required.",
                        extra + _UNAUTHORIZED,
                    )
                    return
                try:
                    claims = await self.tokens.verify(token_str)
                except InvalidToken as exc:
                    status = 401
                    await send_problem(
                        send,
                        401,
                        "unauthorized",
                        "Authentication required",
                        f"The access token was refused: {exc}.",
                        extra + _UNAUTHORIZED,
                    )
                    return
                tenant = str(claims.get("tid") or "sub:" + str(claims.get("sub")))

            if self.settings.rate_limit_enabled and self.limiter is not None:
                buckets = self._buckets(path, method, client_ip, tenant)
                if buckets:
                    decision = await self.limiter.check(buckets)
                    extra.extend(decision.headers())
                    if not decision.allowed:
                        status = 429
                        self.metrics.rate_limited.labels(decision.rule.name).inc()
                        await send_problem(
                            send,
                            429,
                            "too-many-requests",
                            "Too many requests",
                            f"Rate limit '{decision.rule.name}' reached; retry in {decision.retry_after_s} s.",
                            extra,
                            retry_after=decision.retry_after_s,
                        )
                        return

            breaker = route.breaker
            if not breaker.allow():
                status = 503
                wait = max(1, round(breaker.retry_after_s()))
                await send_problem(
                    send,
                    503,
                    "upstream-unavailable",
                    "Service unavailable",
                    f"The {upstream} service is failing; retry in {wait} s.",
                    [*extra, (b"retry-after", str(wait).encode())],
                    upstream=upstream,
                )
                return

            raw_path: bytes = scope.get("raw_path") or path.encode()
            target = raw_path[route.strip_len :].decode("latin-1") or "/"
            query: bytes = scope.get("query_string", b"")
            if query:
                target += "?" + query.decode("latin-1")
            out_headers = self._upstream_headers(scope, headers, rid, client_ip, xff)
            has_body = (declared is not None and declared > 0) or te is not None
            assert self.proxy is not None
            status = await self.proxy.forward(
                route, method, target, out_headers, has_body, receive, send, extra
            )
        finally:
            elapsed = time.perf_counter() - started
            self._observe(upstream, status, elapsed)
            if self.settings.access_log:
                access_log.info(
                    "%s %s %s",
                    method,
                    path,
                    status,
                    extra={
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                        "upstream": upstream,
                    },
                )
            request_id_var.reset(token)

    def _observe(self, upstream: str, status: int, elapsed: float) -> None:
        key = (upstream, status)
        child = self._status_children.get(key)
        if child is None:
            child = self._status_children[key] = (
                self.metrics.requests.labels(upstream, str(status)),
                self.metrics.latency.labels(upstream),
            )
        child[0].inc()
        child[1].observe(elapsed)

    def _buckets(
        self, path: str, method: str, ip: str, tenant: str | None
    ) -> list[tuple[RateLimitRule, str]]:
        out: list[tuple[RateLimitRule, str]] = []
        for rule in self._general_rules:
            if rule.methods and method not in rule.methods:
                continue
            if rule.key == "ip":
                out.append((rule, ip))
            elif tenant is not None:
                out.append((rule, tenant))
        for rule in self._path_rules.get(path, ()):
            if rule.methods and method not in rule.methods:
                continue
            key = ip if rule.key == "ip" else tenant
            if key is not None:
                out.append((rule, key))
        return out

    def _client_ip(self, scope: Scope, xff: bytes | None) -> str:
        client = scope.get("client")
        peer = client[0] if client else "unknown"
        if xff is None or not self.trusted_proxies or not self._trusted(peer):
            return peer
        # The rightmost address that is not one of our proxies is the one nobody could forge.
        for candidate in reversed([a.strip() for a in xff.decode("latin-1").split(",")]):
            if candidate and not self._trusted(candidate):
                return candidate
        return peer

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.trusted_proxies)

    def _upstream_headers(
        self, scope: Scope, headers: list[tuple[bytes, bytes]], rid: str, client_ip: str, xff: bytes | None
    ) -> list[tuple[str, str]]:
        connection_listed: set[str] = set()
        out: list[tuple[str, str]] = []
        host = ""
        for raw_name, raw_value in headers:
            name = raw_name.decode("latin-1")
            if name == "host":
                host = raw_value.decode("latin-1")
                continue
            if name == "connection":
                connection_listed.update(t.strip().lower() for t in raw_value.decode("latin-1").split(","))
                continue
            if (
                name in HOP_BY_HOP
                or name in _REPLACED
                or name in self.identity_headers
                or name.startswith(self.identity_prefixes)
            ):
                continue
            out.append((name, raw_value.decode("latin-1")))
        if connection_listed:
            out = [(n, v) for n, v in out if n not in connection_listed]
        peer_trusted = (
            xff is not None
            and bool(self.trusted_proxies)
            and self._trusted(scope["client"][0] if scope.get("client") else "")
        )
        peer = scope["client"][0] if scope.get("client") else client_ip
        forwarded_for = f"{xff.decode('latin-1')}, {peer}" if peer_trusted and xff else peer
        out.append(("x-forwarded-for", forwarded_for))
        out.append(("x-forwarded-proto", scope.get("scheme", "http")))
        if host:
            out.append(("x-forwarded-host", host))
        out.append(("x-request-id", rid))
        return out

    async def _answer_preflight(
        self, send: Send, origin: bytes, requested_headers: bytes | None, extra: Headers
    ) -> int:
        if not self.cors.allows(origin):
            await send_problem(
                send,
                403,
                "cors-origin-refused",
                "Origin not allowed",
                "This origin may not call the API from a browser.",
                extra,
            )
            return 403
        answer = self.cors.preflight_headers(origin, requested_headers)
        if answer is None:
            await send_problem(
                send,
                403,
                "cors-header-refused",
                "Header not allowed",
                "A requested header is not allowed by the CORS policy.",
                extra,
            )
            return 403
        await send({"type": "http.response.start", "status": 204, "headers": [*answer, *extra]})
        await send({"type": "http.response.body", "body": b""})
        return 204

    # -- the gateway's own endpoints ---------------------------------------------------------------

    async def _local(self, path: str, method: str, send: Send, extra: Headers) -> int:
        if method not in ("GET", "HEAD"):
            await send_problem(
                send,
                405,
                "method-not-allowed",
                "Method not allowed",
                None,
                [*extra, (b"allow", b"GET, HEAD")],
            )
            return 405
        if path == "/healthz":
            await send_json(send, 200, {"status": "ok"}, extra)
            return 200
        if path == "/readyz":
            report = await self.readiness()
            await send_json(send, 200, report, extra)
            return 200
        if path == "/metrics":
            for name, breaker in self.breakers.items():
                self.metrics.breaker_open.labels(name).set(0 if breaker.state is BreakerState.CLOSED else 1)
            if self.limiter is not None:
                self.metrics.ratelimit_fallback.set(1 if self.limiter.using_fallback else 0)
            await send_bytes(
                send,
                200,
                generate_latest(self.metrics.registry),
                b"text/plain; version=0.0.4; charset=utf-8",
                extra,
            )
            return 200
        if path == "/openapi.json":
            assert self.openapi is not None
            await send_json(send, 200, await self.openapi.document(), extra)
            return 200
        await send_bytes(send, 200, SWAGGER_UI, b"text/html; charset=utf-8", extra)
        return 200

    async def readiness(self) -> dict[str, Any]:
        """Each upstream's health and breaker, and the rate-limit store.

        Always answered 200 while the gateway itself works: one service down must not take every gateway
        replica out of the load balancer; ``status`` says "degraded" instead.
        """
        assert self.session is not None
        timeout = aiohttp.ClientTimeout(total=self.settings.readiness_timeout_s)

        async def probe(name: str) -> tuple[str, dict[str, Any]]:
            up = self.settings.upstreams[name]
            started = time.perf_counter()
            try:
                async with self.session.get(up.url.rstrip("/") + up.health_path, timeout=timeout) as response:  # type: ignore[union-attr]
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

        results = dict(await asyncio.gather(*(probe(n) for n in self.settings.upstreams)))
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


def _preflight_request(headers: list[tuple[bytes, bytes]]) -> tuple[bytes | None, bytes | None]:
    """The Access-Control-Request-Method/-Headers of a CORS preflight (method None: not a preflight)."""
    requested_method = requested_headers = None
    for name, value in headers:
        if name == b"access-control-request-method":
            requested_method = value
        elif name == b"access-control-request-headers":
            requested_headers = value
    return requested_method, requested_headers


def create_app(settings: Settings | None = None, *, verifier: TokenVerifier | None = None) -> Gateway:
    """The gateway ASGI app; ``verifier`` lets tests inject a verifier with an in-memory JWKS."""
    settings = settings or Settings()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    return Gateway(settings, verifier=verifier)


def app_factory() -> Gateway:
    """Entry for ``uvicorn --factory gateway.main:app_factory``: settings from the environment."""
    return create_app()
