"""``/healthz``, ``/readyz`` and ``/metrics`` from the kit (the same bodies, request ids, problem+json errors as
every service), beside the Socket.IO endpoint."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI
from vitrine_kit.errors import install_error_handlers
from vitrine_kit.loops import LoopSupervisor
from vitrine_kit.middleware import RequestContextMiddleware
from vitrine_kit.ops import OK, ops_router

from relay_service.config import Settings
from relay_service.metrics import RelayMetrics
from relay_service.relay import Relay

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def readiness(relay: Relay) -> dict[str, str]:
    """Ready = broker connected, this replica's queue consumed, events publishable, not draining."""
    return {
        "broker": OK if relay.broker.connected else "unreachable",
        "replica_queue": OK if relay.consuming else "not consumed",
        "publisher": OK if relay.publisher.ready else "not ready",
        "draining": "yes" if relay.draining else OK,
    }


def ops_app(
    settings: Settings, relay: Relay, metrics: RelayMetrics, loops: LoopSupervisor, lifespan: Lifespan
) -> FastAPI:
    """The plain-HTTP side of the relay's ASGI app: the kit's ops endpoints with the relay's checks."""
    app = FastAPI(title="relay-service", lifespan=lifespan)
    install_error_handlers(app)
    app.add_middleware(
        RequestContextMiddleware, metrics=metrics, max_body_bytes=settings.max_request_body_bytes
    )

    async def checks() -> dict[str, str]:
        return readiness(relay)

    app.include_router(ops_router(checks, metrics.registry, lambda: loops))
    return app
