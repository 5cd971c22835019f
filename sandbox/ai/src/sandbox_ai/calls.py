"""What every provider call shares: the settings and world, latency, faults, forced answers, the log."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request

from sandbox_ai.config import Settings
from sandbox_ai.state import Fault, Forced, Provider, World


def world_of(request: Request) -> World:
    world: World = request.app.state.world
    return world


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


WorldDep = Annotated[World, Depends(world_of)]
SettingsDep = Annotated[Settings, Depends(settings_of)]


def known_model(model: str, models: list[str]) -> bool:
    """A listed model, or a dated/numbered variant of one (``gpt-4o-mini-2024-07-18``)."""
    return model in models or any(model.startswith(m + "-") for m in models)


def forced_text(forced: Forced) -> str:
    """A forced string is the text itself (even if it is not JSON); anything else is sent as JSON."""
    if isinstance(forced.answer, str):
        return forced.answer
    return json.dumps(forced.answer, ensure_ascii=False)


@dataclass
class Call:
    """One provider call, logged when it ends (``GET /sandbox/requests``)."""

    world: World
    provider: Provider
    endpoint: str
    model: str
    status: int = 200
    images: list[dict[str, Any]] = field(default_factory=list)
    usage: dict[str, int] = field(default_factory=dict)
    schema: str | None = None
    schema_properties: list[str] = field(default_factory=list)
    response_type: str | None = None
    hints: dict[str, Any] = field(default_factory=dict)
    forced: bool = False
    fault: int | None = None
    error: str | None = None
    ignored: list[str] = field(default_factory=list)  # request fields the sandbox does not know

    async def delay(self) -> None:
        ms = self.world.latency_for(self.provider)
        if ms:
            await asyncio.sleep(ms / 1000)

    def take_fault(self) -> Fault | None:
        fault = self.world.take_fault(self.provider, self.model)
        if fault is not None:
            self.fault = fault.status
        return fault

    def take_forced(self) -> Forced | None:
        forced = self.world.take_forced(self.provider, self.model)
        self.forced = forced is not None
        return forced

    def save(self) -> None:
        self.world.record(
            {
                "at": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "provider": self.provider,
                "endpoint": self.endpoint,
                "model": self.model,
                "status": self.status,
                "image_count": len(self.images),
                "images": self.images,
                "usage": self.usage,
                "schema": self.schema,
                "schema_properties": self.schema_properties,
                "response_type": self.response_type,
                "hints": self.hints,
                "forced": self.forced,
                "fault": self.fault,
                "error": self.error,
                "ignored_fields": self.ignored,
            }
        )
