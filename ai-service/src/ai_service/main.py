"""The ai-service app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from vitrine_kit.app import create_service_app
from vitrine_kit.auth.jwt import TokenVerifier
from vitrine_kit.loops import BackgroundLoop

from ai_service.analyses.worker import run_worker
from ai_service.api import routers
from ai_service.config import Settings
from ai_service.consumers import consumer
from ai_service.context import AiContext

SERVICE_DIR = Path(__file__).resolve().parents[2]
worker_loop: BackgroundLoop[AiContext] = BackgroundLoop.forever("analysis-worker", run_worker, restart_s=2.0)


def create_app(settings: Settings | None = None, *, verifier: TokenVerifier | None = None) -> FastAPI:
    """Build the app; tests pass their own settings and token verifier."""
    return create_service_app(
        settings or Settings(),
        title="ai-service",
        description="Item photos to attributes with confidence, flaws, listing drafts and a price, on credits.",
        context=AiContext.build,
        routers=routers,
        consumers=[consumer],
        loops=[worker_loop],
        service_dir=SERVICE_DIR,
        verifier=verifier,
    )


app = create_app()
