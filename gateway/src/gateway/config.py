"""Gateway settings (env prefix ``GATEWAY_``): upstreams, public routes, limits, CORS, rate limits."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from vitrine_kit.settings import BaseServiceSettings, service_config

MiB = 1024 * 1024


class Upstream(BaseModel):
    """A service behind the gateway: requests under ``prefix`` go to ``url`` with the prefix stripped."""

    prefix: str
    url: str
    timeout_s: float = 30.0
    connect_timeout_s: float = 2.0
    max_body_bytes: int = 1 * MiB
    # Time a client has to send its whole body; None: ``Settings.request_body_timeout_s``.
    body_timeout_s: float | None = None
    openapi_path: str | None = "/openapi.json"
    health_path: str = "/healthz"


class RouteOverride(BaseModel):
    """Tighter or looser limits for public paths starting with ``prefix`` (the longest prefix wins)."""

    prefix: str
    timeout_s: float | None = None
    max_body_bytes: int | None = None
    body_timeout_s: float | None = None


class RateLimitRule(BaseModel):
    """A token bucket: ``burst`` tokens, refilled at ``rate_per_s``; one bucket per key (IP or tenant).

    ``paths`` (exact public paths) and ``methods`` narrow where the rule applies; empty means everywhere.
    """

    name: str
    key: Literal["ip", "tenant"]
    rate_per_s: float
    burst: int
    paths: list[str] = Field(default_factory=list)
    methods: list[str] = Field(default_factory=list)


def _default_upstreams() -> dict[str, Upstream]:
    return {
        "auth": Upstream(prefix="/api/auth", url="http://127.0.0.1:8001"),
        "catalog": Upstream(prefix="/api/catalog", url="http://127.0.0.1:8002"),
        "media": Upstream(
            prefix="/api/media", url="http://127.0.0.1:8003", max_body_bytes=30 * MiB, body_timeout_s=300.0
        ),
        "ai": Upstream(prefix="/api/ai", url="http://127.0.0.1:8004", timeout_s=90.0),
        "billing": Upstream(prefix="/api/billing", url="http://127.0.0.1:8005"),
        "marketplace-ebay": Upstream(prefix="/api/marketplaces/ebay", url="http://127.0.0.1:8006"),
        "marketplace-etsy": Upstream(prefix="/api/marketplaces/etsy", url="http://127.0.0.1:8007"),
        "marketplace-vinted": Upstream(prefix="/api/marketplaces/vinted", url="http://127.0.0.1:8008"),
        # The live feed is a long response: its idle bound (sock_read) is the upstream timeout, above the
        # service's heartbeat interval, so a quiet stream stays open.
        "notification": Upstream(prefix="/api/notifications", url="http://127.0.0.1:8010"),
    }


# Reachable without a token ("<path>[*] [METHOD,…]", see auth.PublicRoutes), as tight as the services' routes.
DEFAULT_PUBLIC_ROUTES = [
    "/api/auth/register POST",
    "/api/auth/login POST",
    "/api/auth/refresh POST",
    "/api/auth/logout POST",
    # Browser sessions: the login that sets the cookies, and refresh and logout by the refresh cookie
    # (CSRF-checked here, see sessions.py, and by auth-service).
    "/api/auth/sessions POST,DELETE",
    "/api/auth/sessions/refresh POST",
    "/api/auth/.well-known/jwks.json GET",
    "/api/auth/password-reset POST",
    "/api/auth/password-reset/confirm POST",
    "/api/auth/verify-email POST",
    "/api/auth/plugin/pair POST",
    "/api/auth/plugin/pair/exchange POST",
    "/api/auth/oauth/token POST",
    "/api/marketplaces/ebay/oauth/callback GET",
    "/api/marketplaces/etsy/oauth/callback GET",
    # eBay checks an endpoint with a GET challenge, then POSTs notifications to it.
    "/api/marketplaces/ebay/webhooks/* GET,POST",
    "/api/marketplaces/etsy/webhooks/* POST",
    # Signed by Stripe (Stripe-Signature over the raw body, checked by billing-service).
    "/api/billing/webhooks/stripe POST",
    # The price list, shown before sign-up.
    "/api/billing/plans GET",
    "/api/billing/credit-packs GET",
    # E-mail unsubscribe links carry a signed token (checked by notification-service); a GET changes nothing.
    "/api/notifications/unsubscribe GET,POST",
    # Signed media URLs (HMAC + expiry checked by media-service): fetched by marketplaces, PUT by uploads.
    "/api/media/files/* GET,PUT",
]

DEFAULT_RATE_LIMITS = [
    RateLimitRule(name="ip", key="ip", rate_per_s=50.0, burst=200),
    RateLimitRule(name="tenant", key="tenant", rate_per_s=100.0, burst=400),
    RateLimitRule(
        name="login",
        key="ip",
        rate_per_s=10 / 60,
        burst=10,
        paths=["/api/auth/login", "/api/auth/sessions"],
        methods=["POST"],
    ),
    RateLimitRule(
        name="register",
        key="ip",
        rate_per_s=10 / 3600,
        burst=10,
        paths=["/api/auth/register", "/api/auth/password-reset", "/api/auth/verify-email/resend"],
        methods=["POST"],
    ),
]

# Headers that claim an identity; only a verified token may do that, so a client's copy is dropped.
DEFAULT_IDENTITY_HEADERS = [
    "x-user-id",
    "x-user",
    "x-tenant-id",
    "x-tenant",
    "x-roles",
    "x-role",
    "x-scope",
    "x-scopes",
    "x-subject",
    "x-remote-user",
    "x-forwarded-user",
    "x-forwarded-email",
    "x-forwarded-groups",
    "remote-user",
    "x-authenticated-user",
    "x-authenticated-userid",
    "x-service",
    "x-service-name",
    "x-real-ip",
    "forwarded",
]
DEFAULT_IDENTITY_HEADER_PREFIXES = ["x-principal-", "x-auth-", "x-user-", "x-tenant-", "x-vitrine-", "x-jwt-"]


class Settings(BaseServiceSettings):
    """Everything the gateway reads from the environment; every default works on a developer machine."""

    model_config = service_config("GATEWAY_")

    service_name: str = "gateway"
    port: int = 8000
    workers: int = 1
    # The HTTP server: the gateway's own (server.py), or uvicorn running the gateway as an ASGI app.
    server: Literal["native", "uvicorn"] = "native"
    # A connection with no request in progress is closed after this long.
    keep_alive_timeout_s: float = 75.0
    # A request's line and headers must arrive within this (from its first byte; from the connection for
    # its first request), else 408 and the connection is closed: a slow client cannot hold sockets open.
    header_timeout_s: float = 10.0
    # An answer the client stops reading (the socket's buffer full) for this long is cut: a client that never
    # reads cannot hold the gateway's buffers and the service's connection (native server).
    send_timeout_s: float = 60.0
    # Request line and headers together, in bytes (431 beyond; a request target over 8 KiB is 414).
    max_header_bytes: int = 32 * 1024
    max_header_count: int = 100
    # Open client connections per process; beyond, a new one is answered 503 and closed (0: no bound).
    max_connections: int = 0
    # On SIGTERM: stop accepting, close idle connections, give requests in flight this long, then cut them
    # (k8s: preStop 5 s + 20 s < terminationGracePeriodSeconds 30).
    shutdown_timeout_s: float = 20.0

    upstreams: dict[str, Upstream] = Field(default_factory=_default_upstreams)
    route_overrides: list[RouteOverride] = Field(
        default_factory=lambda: [RouteOverride(prefix="/api/catalog/exports", timeout_s=300.0)]
    )
    public_routes: list[str] = Field(default_factory=lambda: list(DEFAULT_PUBLIC_ROUTES))
    identity_headers: list[str] = Field(default_factory=lambda: list(DEFAULT_IDENTITY_HEADERS))
    identity_header_prefixes: list[str] = Field(
        default_factory=lambda: list(DEFAULT_IDENTITY_HEADER_PREFIXES)
    )
    # Upstream paths never exposed publicly: ops endpoints, and service-to-service APIs under /internal.
    blocked_upstream_paths: list[str] = Field(default_factory=lambda: ["/metrics", "/readyz"])
    blocked_upstream_prefixes: list[str] = Field(default_factory=lambda: ["/internal"])
    # Peers whose X-Forwarded-For is believed (a load balancer in front); empty: the TCP peer is the client.
    trusted_proxies: list[str] = Field(default_factory=list)

    # A slow client must not hold an upstream connection as long as it likes: whole body within the time.
    request_body_timeout_s: float = 60.0
    # Bytes/s on average once the grace period is over (0: no minimum rate).
    request_body_min_rate: float = 8 * 1024
    request_body_grace_s: float = 5.0
    # Streamed bodies (over 64 KiB) at once, per client and route, and per upstream (None: half its pool).
    upload_streams_per_client: int = 4
    upload_streams_per_upstream: int | None = None

    # Upstream HTTP client (upstream.py); idle connections closed before uvicorn's 5 s, by the gateway first.
    upstream_pool_size: int = 256
    upstream_pool_size_per_host: int = 64
    # Longest wait for a free pool connection before a 503 (a busy pool is not an outage: no breaker count).
    upstream_pool_wait_s: float = 1.0
    upstream_keepalive_s: float = 4.0
    # Event streams (the live feed) hold no pool slot once answered, but one of these: at most this many
    # through this process, and per client address.
    upstream_streams: int = 10_000
    streams_per_client: int = 50
    upstream_retries: int = 1
    upstream_retry_backoff_s: float = 0.05

    # Failures within breaker_window_s, with no success between them, that open an upstream's breaker.
    breaker_failure_threshold: int = 5
    breaker_window_s: float = 30.0
    breaker_open_s: float = 10.0

    cors_origins: list[str] = Field(
        default_factory=lambda: ["http://localhost:5173", "http://127.0.0.1:5173", "http://localhost:3000"]
    )
    cors_extension_ids: list[str] = Field(default_factory=list)
    cors_max_age_s: int = 600

    redis_url: str = "redis://127.0.0.1:6379/0"
    rate_limit_enabled: bool = True
    rate_limits: list[RateLimitRule] = Field(default_factory=lambda: list(DEFAULT_RATE_LIMITS))
    rate_limit_key_prefix: str = "vitrine:rl:"
    rate_limit_redis_timeout_s: float = 0.1
    # After Redis fails, buckets live in this process for this long before Redis is tried again.
    rate_limit_fallback_s: float = 5.0
    # Replicas share a limit only through Redis; in fallback each takes 1/replicas of it.
    replicas: int = 1

    # Browser sessions (auth-service's cookies): the access token's cookie authenticates like a bearer
    # token; unsafe requests it authenticates need X-CSRF-Token equal to the CSRF cookie and an allowed Origin.
    session_cookie: str = "vitrine_access"
    refresh_cookie: str = "vitrine_refresh"
    csrf_cookie: str = "vitrine_csrf"
    csrf_header: str = "X-CSRF-Token"
    # Logins that open a cookie session: refused from an origin that is not allowed.
    session_login_paths: list[str] = Field(default_factory=lambda: ["/api/auth/sessions"])
    # Upstreams (names in ``upstreams``) that take plugin tokens: the relay's alone, if it is routed here.
    plugin_token_upstreams: list[str] = Field(default_factory=lambda: ["relay"])
    token_cache_size: int = 10_000
    token_cache_ttl_s: float = 30.0

    openapi_cache_ttl_s: float = 60.0
    openapi_fetch_timeout_s: float = 2.0
    readiness_timeout_s: float = 1.0
    # /readyz probes every upstream at most this often, however often it is asked.
    readiness_cache_s: float = 2.0
    access_log: bool = True
