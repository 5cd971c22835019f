"""``/healthz``, ``/readyz`` and ``/metrics``: one router, one set of bodies, for every process of the fleet.

Services built by ``create_service_app`` get it with their database, migration and broker checks; the relay
mounts it with its own checks; the gateway, a bare ASGI app, answers with the same bodies.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from pydantic import BaseModel

from vitrine_kit.loops import LoopSupervisor

# What a readiness check answers when all is well; anything else is the reason it is not.
OK = "ok"


class Health(BaseModel):
    """The process is alive (for liveness probes and load balancers: a constant, no dependency checked)."""

    status: Literal["ok"] = "ok"


def readiness_body(checks: dict[str, Any], loops: LoopSupervisor | None) -> tuple[int, dict[str, Any]]:
    """The status and body of ``/readyz``: ready when every check says ``ok``. Loops are reported, not
    judged: a failing poller must not take the API out of rotation."""
    ready = all(v == OK for v in checks.values())
    body = {
        "status": "ready" if ready else "not ready",
        "checks": checks,
        "loops": loops.report() if loops is not None else {},
    }
    return (200 if ready else 503), body


def metrics_response(registry: CollectorRegistry) -> Response:
    """The Prometheus exposition of ``registry``."""
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def ops_router(
    checks: Callable[[], Awaitable[dict[str, Any]]],
    registry: CollectorRegistry,
    loops: Callable[[], LoopSupervisor | None],
) -> APIRouter:
    """The three endpoints, out of the OpenAPI document (the gateway never routes ``/readyz`` or ``/metrics``)."""
    router = APIRouter(tags=["ops"], include_in_schema=False)

    @router.get("/healthz")
    async def healthz() -> Health:
        return Health()

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        status, body = readiness_body(await checks(), loops())
        return JSONResponse(body, status_code=status)

    @router.get("/metrics")
    async def prometheus() -> Response:
        return metrics_response(registry)

    return router
