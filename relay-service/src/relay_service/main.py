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
from vitrine_kit.auth.jwt import TokenVerifier, verifier_from_settings
from vitrine_kit.auth.service_client import ServiceTokenClient
from vitrine_kit.events.broker import broker_from_settings
from vitrine_kit.logging import configure_logging
from vitrine_kit.loops import BackgroundLoop, LoopSupervisor
from vitrine_kit.tracing import configure_tracing

from relay_service.auth import PluginAuthenticator
from relay_service.config import Settings
from relay_service.metrics import RelayMetrics
from relay_service.ops import ops_app
from relay_service.relay import Relay

logger = logging.getLogger(__name__)


def authenticator_for(settings: Settings, verifier: TokenVerifier) -> PluginAuthenticator:
    """Token checks, and the device's revocation at auth-service when ``AUTH_URL`` is set."""
    tokens = None
    if settings.auth_url:
        tokens = ServiceTokenClient(
            f"{settings.auth_url}/oauth/token", settings.client_id, settings.client_secret
        )
    return PluginAuthenticator(
        verifier,
        introspect_url=f"{settings.auth_url}/introspect" if settings.auth_url else None,
        tokens=tokens,
        cache_s=settings.introspect_cache_s,
    )


def create_app(
    settings: Settings | None = None,
    *,
    verifier: TokenVerifier | None = None,
    authenticator: PluginAuthenticator | None = None,
) -> Any:
    """The ASGI app; ``app.relay`` is the ``Relay``. Tests pass their verifier."""
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
    auth = authenticator or authenticator_for(settings, verifier or verifier_from_settings(settings))
    relay = Relay(settings, sio, broker, auth, metrics)
    loops = LoopSupervisor(metrics)
    background: list[BackgroundLoop[Relay]] = [
        BackgroundLoop.every("replica-alive", settings.replica_heartbeat_s, Relay.announce),
        BackgroundLoop.every("revocation-sweep", settings.revocation_sweep_s, Relay.sweep_revoked),
    ]

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.service_name, settings.log_level, settings.log_json)
        configure_tracing(settings.service_name)
        task = asyncio.create_task(broker.run(), name="broker")
        loops.start(background, relay, settings.run_mode)
        if settings.gc_freeze:
            gc.freeze()
            gc.set_threshold(*settings.gc_threshold)
        logger.info("relay started", extra={"instance": settings.instance_id})
        try:
            yield
        finally:
            await relay.drain()
            await loops.stop()
            await broker.stop()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            if authenticator is None and verifier is None:  # the verifier built here: its clients are ours
                await auth.verifier.aclose()

    ops = ops_app(settings, relay, metrics, loops, lifespan)
    app = socketio.ASGIApp(sio, other_asgi_app=ops, socketio_path="socket.io")
    app.relay = relay  # type: ignore[attr-defined]
    app.broker = broker  # type: ignore[attr-defined]
    return app


app = create_app()
