"""The relay-service ASGI app: Socket.IO (namespace /plugin/v1) beside /healthz, /readyz and /metrics."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import socketio
from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from vitrine_kit.auth.jwt import TokenVerifier, verifier_from_settings
from vitrine_kit.auth.service_client import ServiceTokenClient
from vitrine_kit.events.broker import broker_from_settings
from vitrine_kit.logging import configure_logging

from relay_service.auth import PluginAuthenticator
from relay_service.config import Settings
from relay_service.metrics import RelayMetrics
from relay_service.relay import Relay

logger = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None,
    *,
    verifier: TokenVerifier | None = None,
    authenticator: PluginAuthenticator | None = None,
) -> Any:
    """The ASGI app; ``app.relay`` (set at start-up) is the running ``Relay``. Tests pass their verifier."""
    settings = settings or Settings()
    metrics = RelayMetrics()
    sio = socketio.AsyncServer(
        async_mode="asgi",
        cors_allowed_origins=settings.cors_allowed_origins,
        ping_interval=settings.ping_interval_s,
        ping_timeout=settings.ping_timeout_s,
        max_http_buffer_size=1_000_000,
        logger=False,
        engineio_logger=False,
    )
    broker = broker_from_settings(settings, metrics)
    token_verifier = verifier or verifier_from_settings(settings)
    if authenticator is None:
        tokens = None
        if settings.auth_url:
            tokens = ServiceTokenClient(
                f"{settings.auth_url}/oauth/token", settings.client_id, settings.client_secret
            )
        authenticator = PluginAuthenticator(
            token_verifier,
            introspect_url=f"{settings.auth_url}/introspect" if settings.auth_url else None,
            tokens=tokens,
            cache_s=settings.introspect_cache_s,
        )
    relay = Relay(settings, sio, broker, authenticator, metrics)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.service_name, settings.log_level, settings.log_json)
        task = asyncio.create_task(broker.run(), name="broker")
        alive = asyncio.create_task(relay.run_alive(), name="replica-alive")
        if settings.gc_freeze:
            gc.freeze()
            gc.set_threshold(*settings.gc_threshold)
        logger.info("relay started", extra={"instance": settings.instance_id})
        try:
            yield
        finally:
            await relay.drain()
            alive.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await alive
            await broker.stop()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    ops = FastAPI(title="relay-service", lifespan=lifespan)

    @ops.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @ops.get("/readyz")
    async def readyz() -> JSONResponse:
        ready = broker.connected and relay._channel is not None and not relay.draining
        checks = {"broker": "ok" if broker.connected else "unreachable", "draining": relay.draining}
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": checks}, status_code=200 if ready else 503
        )

    @ops.get("/metrics")
    async def prometheus() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app = socketio.ASGIApp(sio, other_asgi_app=ops, socketio_path="socket.io")
    app.relay = relay  # type: ignore[attr-defined]
    app.broker = broker  # type: ignore[attr-defined]
    return app


app = create_app()
