"""The control API (``/sandbox/...``): what tests and local runs use to make the providers misbehave."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from sandbox_ai.calls import WorldDep
from sandbox_ai.state import Fault, Forced, Provider

router = APIRouter(prefix="/sandbox", tags=["control"])


class FaultIn(BaseModel):
    provider: Provider | None = Field(default=None, description="gemini, openai, or both when absent")
    model: str | None = Field(default=None, description="only calls to this model")
    status: int = Field(ge=400, le=599)
    count: int = Field(default=1, ge=1, description="answer this many calls so")
    retry_after_s: float | None = Field(
        default=None, ge=0, description="Gemini: RetryInfo.retryDelay; OpenAI: retry-after/retry-after-ms"
    )
    message: str | None = None


class LatencyIn(BaseModel):
    ms: int = Field(ge=0, le=120_000)
    provider: Provider | None = None


class NextIn(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    provider: Provider
    answer: Any = Field(alias="json", description="a JSON value, or a string sent verbatim as the text")
    model: str | None = None


@router.post("/faults", status_code=201)
async def add_fault(body: FaultIn, world: WorldDep) -> dict[str, Any]:
    """The next ``count`` generation calls (of the provider/model) answer ``status`` in its envelope."""
    with world.lock:
        world.faults.append(
            Fault(body.status, body.count, body.provider, body.model, body.retry_after_s, body.message)
        )
    return body.model_dump()


@router.get("/faults")
async def list_faults(world: WorldDep) -> list[dict[str, Any]]:
    with world.lock:
        return [
            {"provider": f.provider, "model": f.model, "status": f.status, "remaining": f.remaining}
            for f in world.faults
            if f.remaining > 0
        ]


@router.delete("/faults", status_code=204)
async def clear_faults(world: WorldDep) -> Response:
    with world.lock:
        world.faults.clear()
    return Response(status_code=204)


@router.post("/latency")
async def latency(body: LatencyIn, world: WorldDep) -> dict[str, Any]:
    """Delay every provider call (of ``provider``, or all) by ``ms``; 0 removes the delay."""
    with world.lock:
        world.latency_ms[body.provider or "*"] = body.ms
    return {"ms": body.ms, "provider": body.provider}


@router.post("/next", status_code=201)
async def force_next(body: NextIn, world: WorldDep) -> dict[str, Any]:
    """The next call of ``provider`` (and ``model``) answers this instead of a derived answer. Queued."""
    with world.lock:
        world.forced.append(Forced(body.provider, body.answer, body.model))
        queued = len(world.forced)
    return {"provider": body.provider, "model": body.model, "queued": queued}


@router.get("/requests")
async def requests(
    world: WorldDep, provider: Provider | None = None, model: str | None = None
) -> list[dict[str, Any]]:
    """Calls received, oldest first: model, images (pixel and byte sizes), tokens, schema properties."""
    with world.lock:
        return [
            r
            for r in world.requests
            if (provider is None or r["provider"] == provider) and (model is None or r["model"] == model)
        ]


@router.post("/reset", status_code=204)
async def reset(world: WorldDep) -> Response:
    world.reset()
    return Response(status_code=204)
