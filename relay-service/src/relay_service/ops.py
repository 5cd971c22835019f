"""``/healthz``, ``/readyz`` and ``/metrics`` as every service built by the kit serves them (the same bodies,
request ids, problem+json errors), beside the Socket.IO endpoint."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from vitrine_kit.errors import install_error_handlers
from vitrine_kit.loops import LoopSupervisor
from vitrine_kit.middleware import RequestContextMiddleware

from relay_service.config import Settings
from relay_service.metrics import RelayMetrics
from relay_service.relay import Relay

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


class Health(BaseModel):
    status: str = "ok"


def readiness(relay: Relay) -> dict[str, str]:
    """Ready = broker connected, this replica's queue consumed, events publishable, not draining."""
    return {
        "broker": "ok" if relay.broker.connected else "unreachable",
        "replica_queue": "ok" if relay.consuming else "not consumed",
        "publisher": "ok" if relay.publisher.ready else "not ready",
        "draining": "yes" if relay.draining else "ok",
    }


def ops_app(
    settings: Settings, relay: Relay, metrics: RelayMetrics, loops: LoopSupervisor, lifespan: Lifespan
) -> FastAPI:
    """The plain-HTTP side of the relay's ASGI app."""
    app = FastAPI(title="relay-service", lifespan=lifespan)
    install_error_handlers(app)
    app.add_middleware(
        RequestContextMiddleware, metrics=metrics, max_body_bytes=settings.max_request_body_bytes
    )

    @app.get("/healthz", tags=["ops"], include_in_schema=False)
    async def healthz() -> Health:
        return Health()

    @app.get("/readyz", tags=["ops"], include_in_schema=False)
    async def readyz() -> JSONResponse:
        checks = readiness(relay)
        ready = all(v == "ok" for v in checks.values())
        # Loops are reported, not judged, as the kit does: a failing heartbeat shows here and in /metrics.
        body = {"status": "ready" if ready else "not ready", "checks": checks, "loops": loops.report()}
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    async def prometheus() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app
