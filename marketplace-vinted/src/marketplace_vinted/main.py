"""The marketplace-vinted app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from vitrine_kit.app import create_service_app
from vitrine_kit.loops import BackgroundLoop

from marketplace_vinted.api import router
from marketplace_vinted.config import Settings
from marketplace_vinted.consumers import consumer
from marketplace_vinted.context import VintedContext
from marketplace_vinted.dispatcher import run_dispatcher

SERVICE_DIR = Path(__file__).resolve().parents[2]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; workers (RUN_MODE worker/all) also run the dispatcher."""
    return create_service_app(
        settings or Settings(),
        title="marketplace-vinted",
        description="Vinted through the seller's browser plugin: account, job queue, pacing.",
        context=VintedContext.build,
        routers=[router],
        consumers=[consumer],
        loops=[BackgroundLoop.forever("vinted-dispatcher", run_dispatcher)],
        service_dir=SERVICE_DIR,
    )


app = create_app()
