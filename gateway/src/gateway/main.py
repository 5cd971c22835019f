"""The gateway as a raw ASGI app: it is on every request, so nothing here is framework overhead.

A request goes through the stages in order: CORS, the gateway's own endpoints, routing, the declared body
size, authentication, rate limits, forwarding. Any stage may refuse with a ``Refusal``; ``refuse`` answers it.
"""

from __future__ import annotations

import logging
import time

import aiohttp
from starlette.types import Receive, Scope, Send
from vitrine_kit.auth.jwt import TokenVerifier, verifier_from_settings
from vitrine_kit.breaker import CircuitBreaker
from vitrine_kit.logging import configure_logging, request_id_var

from gateway.auth import Authenticator, IdentityHeaders
from gateway.client import ClientAddresses
from gateway.config import Settings
from gateway.cors import Cors
from gateway.downstream import AsgiDownstream, ClientGone, Downstream
from gateway.forwarding import Forwarder, UpstreamPool
from gateway.limits import RateLimits, StreamSlots, UploadSlots, declared_body_size
from gateway.ops import LOCAL_PATHS, GatewayMetrics, Ops
from gateway.ratelimit import RateLimiter
from gateway.request import Request, read_request
from gateway.responses import Refusal, refuse
from gateway.routing import Router
from gateway.sessions import CookieSessions
from gateway.upstream import UpstreamClient

logger = logging.getLogger("gateway")
access_log = logging.getLogger("vitrine.access")
CLIENT_GONE = 499  # nginx's figure for "the client went away before the answer": nothing was sent


class Gateway:
    """Routes ``/api/<service>/…`` to services after CORS, authentication, rate limits and body limits."""

    def __init__(self, settings: Settings | None = None, *, verifier: TokenVerifier | None = None) -> None:
        self.settings = s = settings or Settings()
        self.metrics = GatewayMetrics()
        self.traffic = self.metrics.traffic
        self.cors = Cors(s)
        self.clients = ClientAddresses(s.trusted_proxies)
        self.identity = IdentityHeaders(s.identity_headers, s.identity_header_prefixes)
        self.breakers = {
            name: CircuitBreaker(
                name,
                failure_threshold=s.breaker_failure_threshold,
                window_s=s.breaker_window_s,
                reset_timeout_s=s.breaker_open_s,
            )
            for name in s.upstreams
        }
        self.router = Router(s, self.breakers)
        self.auth = Authenticator(s, verifier or verifier_from_settings(s), CookieSessions(s, self.cors))
        self.limits = RateLimits(s, self.metrics.rate_limited)
        self.ops = Ops(s, self.metrics, self.breakers, self.limits)
        # The gateway's own calls (readiness probes, OpenAPI documents): few, and not on the request path.
        self.session: aiohttp.ClientSession | None = None
        self.client: UpstreamClient | None = None
        self.forwarder: Forwarder | None = None

    async def startup(self) -> None:
        """Open the upstream connection pool and the rate-limit store."""
        s = self.settings
        connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=s.upstream_keepalive_s, ttl_dns_cache=300)
        self.session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            skip_auto_headers=("User-Agent", "Accept-Encoding", "Accept"),
        )
        # Forwarding: our own HTTP/1.1 client; UpstreamPool counts its connections and bounds the wait.
        self.client = UpstreamClient(s.upstream_keepalive_s)
        per_host = s.upstream_pool_size_per_host
        streams = StreamSlots(s.upstream_streams, s.streams_per_client)
        self.metrics.streams_open.set_function(lambda: streams.open)
        self.forwarder = Forwarder(
            self.client,
            UpstreamPool(s.upstream_pool_size, per_host, s.upstream_pool_wait_s),
            UploadSlots(s.upload_streams_per_client, s.upload_streams_per_upstream or max(1, per_host // 2)),
            streams,
            self.clients,
            self.identity,
            retries=s.upstream_retries,
            retry_backoff_s=s.upstream_retry_backoff_s,
        )
        self.limits.limiter = RateLimiter(
            s.redis_url,
            key_prefix=s.rate_limit_key_prefix,
            timeout_s=s.rate_limit_redis_timeout_s,
            fallback_s=s.rate_limit_fallback_s,
            replicas=s.replicas,
        )
        self.ops.start(self.session)
        logger.info("gateway ready", extra={"upstreams": {n: u.url for n, u in s.upstreams.items()}})

    async def shutdown(self) -> None:
        """Close pools and the verifier's JWKS and revocation clients."""
        await self.auth.tokens.verifier.aclose()
        if self.session is not None:
            await self.session.close()
        if self.client is not None:
            await self.client.close()
        if self.limits.limiter is not None:
            await self.limits.limiter.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        else:  # websockets go to relay-service directly, not through the gateway
            await send({"type": "websocket.close", "code": 1008})

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.serve(read_request(scope, self.clients), AsgiDownstream(receive, send))

    async def serve(self, request: Request, client: Downstream) -> None:
        """Answer ``request`` through every stage, then log and count it (its status, or 499 if the
        client left first)."""
        token = request_id_var.set(request.id)
        status = 500
        try:
            status = await self._handle(request, client)
        except Refusal as refusal:
            status = await self._refuse(request, client, refusal)
        except ClientGone:
            status = CLIENT_GONE
        except Exception:
            logger.exception("request failed")
            status = await self._refuse(request, client, Refusal.internal())
        finally:
            self._log(request, status)
            request_id_var.reset(token)

    async def _handle(self, request: Request, client: Downstream) -> int:
        if request.origin is not None:
            preflight = self.cors.preflight(request)
            if preflight is not None:
                await client.answer(204, [*preflight, *request.response_headers], b"")
                return 204
            if self.cors.allows(request.origin):
                request.response_headers.extend(self.cors.response_headers(request.origin))
        if request.path in LOCAL_PATHS:
            return await self.ops.answer(request, client)
        target = self.router.resolve(request)
        request.upstream = target.route.upstream
        declared = declared_body_size(request, target.route.body.max_bytes)
        tenant = await self.auth.tenant(request, target.path, target.route.upstream)
        await self.limits.check(request, target.path, tenant)
        if self.forwarder is None:
            raise RuntimeError("requests are served only after startup()")
        return await self.forwarder.forward(request, target, declared, client)

    async def _refuse(self, request: Request, client: Downstream, refusal: Refusal) -> int:
        if request.responded:  # too late for a status: the client sees the connection cut
            return refusal.status
        return await refuse(client, refusal, request.response_headers)

    def _log(self, request: Request, status: int) -> None:
        elapsed = time.perf_counter() - request.started
        self.traffic.observe(request.upstream, status, elapsed)
        if self.settings.access_log:
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                status,
                extra={
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "upstream": request.upstream,
                },
            )

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


def create_app(settings: Settings | None = None, *, verifier: TokenVerifier | None = None) -> Gateway:
    """The gateway ASGI app; ``verifier`` lets tests inject a verifier with an in-memory JWKS."""
    settings = settings or Settings()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    return Gateway(settings, verifier=verifier)


def app_factory() -> Gateway:
    """Entry for ``uvicorn --factory gateway.main:app_factory``: settings from the environment."""
    return create_app()
