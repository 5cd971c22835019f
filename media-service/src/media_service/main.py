"""The media-service app."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from fastapi import FastAPI
from vitrine_kit.app import create_service_app
from vitrine_kit.auth.jwt import TokenVerifier
from vitrine_kit.loops import BackgroundLoop

from media_service.api import routers
from media_service.config import Settings
from media_service.consumers import consumer
from media_service.context import MediaContext
from media_service.storage import Storage
from media_service.uploads.service import sweep

STAGED_SWEEP_S = 300.0
SERVICE_DIR = Path(__file__).resolve().parents[2]


def create_app(
    settings: Settings | None = None, *, storage: Storage | None = None, verifier: TokenVerifier | None = None
) -> FastAPI:
    """Build the app; tests pass their own settings, storage and token verifier."""
    return create_service_app(
        settings or Settings(),
        title="media-service",
        description="Image uploads, metadata stripping, derivatives and signed URLs.",
        context=partial(MediaContext.build, storage=storage),
        routers=routers,
        consumers=[consumer],
        loops=[BackgroundLoop.every("media-staged-uploads", STAGED_SWEEP_S, sweep)],
        service_dir=SERVICE_DIR,
        verifier=verifier,
    )


app = create_app()
