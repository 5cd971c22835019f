"""Pure-ASGI middleware: request ids, access log + metrics, the request body limit, forwarded headers."""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vitrine_kit.errors import PROBLEM_JSON, problem_body
from vitrine_kit.logging import request_id_var
from vitrine_kit.metrics import ServiceMetrics
from vitrine_kit.tracing import finish_server_span, server_span

REQUEST_ID_HEADER = b"x-request-id"
_WELL_FORMED = re.compile(rb"^[A-Za-z0-9._:-]{8,128}$")
access_log = logging.getLogger("vitrine.access")


def _route_of(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(path) if path else "unmatched"


async def _send_problem(send: Send, status: int, code: str, title: str, detail: str) -> None:
    import json

    body = json.dumps(problem_body(status, code, title, detail)).encode()
    rid = (request_id_var.get() or "").encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                (REQUEST_ID_HEADER, rid),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    """Raised from ``receive`` when a streamed body passes the limit."""


class RequestContextMiddleware:
    """Request id (kept if well formed, else made), echoed; access log and metrics; body limit.

    The body limit answers 413 from ``Content-Length`` before any byte is read, and stops a chunked
    body as soon as it passes the limit.
    """

    def __init__(self, app: ASGIApp, *, metrics: ServiceMetrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        content_length: int | None = None
        for name, value in scope["headers"]:
            if name == REQUEST_ID_HEADER:
                incoming = value
            elif name == b"content-length":
                try:
                    content_length = int(value)
                except ValueError:
                    content_length = None
        rid = incoming.decode() if incoming and _WELL_FORMED.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(rid)
        started = time.perf_counter()
        status_holder = {"status": 500}
        limit = self.max_body_bytes
        received = 0
        too_large = False
        replaced = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True
                    raise BodyTooLarge
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal replaced
            # Frameworks turn an exception while reading the body into their own 400: answer 413 instead.
            if too_large:
                if message["type"] == "http.response.start" and not replaced:
                    replaced = True
                    status_holder["status"] = 413
                    await _send_problem(
                        send,
                        413,
                        "payload-too-large",
                        "Request body too large",
                        f"The limit is {limit} bytes.",
                    )
                return
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers: list[Any] = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER, rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        self.metrics.http_in_flight.inc()
        with server_span(scope.get("method", ""), scope.get("path", ""), scope["headers"]) as current:
            try:
                if content_length is not None and content_length > limit:
                    status_holder["status"] = 413
                    await _send_problem(
                        send,
                        413,
                        "payload-too-large",
                        "Request body too large",
                        f"The body is {content_length} bytes; the limit is {limit}.",
                    )
                    return
                try:
                    await self.app(scope, limited_receive, send_with_id)
                except BodyTooLarge:
                    if replaced:
                        return
                    status_holder["status"] = 413
                    await _send_problem(
                        send,
                        413,
                        "payload-too-large",
                        "Request body too large",
                        f"The limit is {limit} bytes.",
                    )
            finally:
                elapsed = time.perf_counter() - started
                self.metrics.http_in_flight.dec()
                route = _route_of(scope)
                method = scope.get("method", "")
                status = status_holder["status"]
                self.metrics.http_requests.labels(method, route, str(status)).inc()
                self.metrics.http_latency.labels(method, route).observe(elapsed)
                finish_server_span(current, method, route, status)
                if route not in ("/healthz", "/metrics", "/readyz"):
                    access_log.info(
                        "%s %s %s",
                        method,
                        scope.get("path", ""),
                        status,
                        extra={"status": status, "duration_ms": round(elapsed * 1000, 2), "route": route},
                    )
                request_id_var.reset(token)


# The peers whose X-Forwarded-* headers are believed: uvicorn's setting and default, kept so one variable
# still decides it (``*`` trusts every peer).
FORWARDED_ALLOW_ENV = "FORWARDED_ALLOW_IPS"
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")
_PREFIX = re.compile(r"^(/[A-Za-z0-9._~-]+)+$")
PUBLIC_BASE = "vitrine.public_base"


@dataclass(frozen=True)
class TrustedProxies:
    """Addresses and networks of the proxies in front of a service (the gateway, a load balancer)."""

    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    everyone: bool = False

    @classmethod
    def parse(cls, value: str) -> TrustedProxies:
        items = [item.strip() for item in value.split(",") if item.strip()]
        if "*" in items:
            return cls((), everyone=True)
        return cls(tuple(ipaddress.ip_network(item, strict=False) for item in items))

    @classmethod
    def from_env(cls) -> TrustedProxies:
        return cls.parse(os.environ.get(FORWARDED_ALLOW_ENV, "127.0.0.1,::1"))

    def trust(self, peer: str | None) -> bool:
        if self.everyone:
            return True
        try:
            address = ipaddress.ip_address(peer or "")
        except ValueError:
            return False
        return any(address in network for network in self.networks)


@dataclass(frozen=True)
class PublicBase:
    """How the client reached this service: ``scheme://host`` (when a proxy said) and the path prefix."""

    origin: str
    prefix: str

    def url(self, path: str) -> str:
        """The public form of a service-relative ``path`` (``/products/1`` → ``https://h/api/catalog/products/1``)."""
        return f"{self.origin}{self.prefix}{path}"


def public_base(scope: Scope) -> PublicBase:
    """What :class:`ForwardedHeadersMiddleware` learnt of this request (nothing: the service's own paths)."""
    base = scope.get(PUBLIC_BASE)
    return base if isinstance(base, PublicBase) else PublicBase("", "")


def _forwarded(scope: Scope) -> PublicBase:
    proto = host = prefix = ""
    for name, value in scope["headers"]:
        if name == b"x-forwarded-proto":
            proto = value.decode("latin-1").split(",")[0].strip().lower()
        elif name == b"x-forwarded-host":
            host = value.decode("latin-1").split(",")[0].strip()
        elif name == b"x-forwarded-prefix":
            prefix = value.decode("latin-1").split(",")[0].strip().rstrip("/")
    if proto in ("http", "https"):
        scope["scheme"] = proto
    else:
        proto = str(scope.get("scheme", "http"))
    origin = f"{proto}://{host}" if host and _HOST.match(host) else ""
    return PublicBase(origin, prefix if _PREFIX.match(prefix) else "")


class ForwardedHeadersMiddleware:
    """Behind a trusted proxy, relative ``Location`` headers become the client's URL.

    A service writes ``Location: /products/1``; the gateway forwards it under ``/api/catalog`` and says so
    in ``X-Forwarded-Prefix`` (with ``X-Forwarded-Host`` and ``-Proto``), so the client gets
    ``https://host/api/catalog/products/1``. Headers from any other peer are ignored: a client could
    otherwise make the service point redirects at a host of its choosing.
    """

    def __init__(self, app: ASGIApp, *, trusted: TrustedProxies | None = None) -> None:
        self.app = app
        self.trusted = trusted or TrustedProxies.from_env()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] != "http" or not self.trusted.trust(client[0] if client else None):
            await self.app(scope, receive, send)
            return
        base = _forwarded(scope)
        scope[PUBLIC_BASE] = base
        if not base.origin and not base.prefix:
            await self.app(scope, receive, send)
            return

        async def send_public(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, base.url(value.decode("latin-1")).encode("latin-1"))
                    if name == b"location" and value.startswith(b"/") and not value.startswith(b"//")
                    else (name, value)
                    for name, value in message.get("headers", [])
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_public)
