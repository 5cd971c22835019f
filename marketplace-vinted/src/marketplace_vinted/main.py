"""The marketplace-vinted app."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import FastAPI
from vitrine_kit.app import ServiceRuntime, create_service_app
from vitrine_kit.settings import RunMode

from marketplace_vinted.api import router
from marketplace_vinted.config import Settings
from marketplace_vinted.consumers import consumer
from marketplace_vinted.dispatcher import run_dispatcher

SERVICE_DIR = Path(__file__).resolve().parents[2]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; workers (RUN_MODE worker/all) also run the dispatcher."""
    settings = settings or Settings()

    async def startup(runtime: ServiceRuntime) -> None:
        if settings.run_mode in (RunMode.WORKER, RunMode.ALL):
            runtime.tasks.append(asyncio.create_task(run_dispatcher(runtime, settings), name="dispatcher"))

    return create_service_app(
        settings,
        title="marketplace-vinted",
        description="Vinted through the seller's browser plugin: account, job queue, pacing.",
        routers=[router],
        consumers=[consumer(settings)],
        service_dir=SERVICE_DIR,
        on_startup=[startup],
    )


app = create_app()
