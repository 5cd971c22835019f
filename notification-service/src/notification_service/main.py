"""The notification-service app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from vitrine_kit.app import create_service_app
from vitrine_kit.auth.jwt import TokenVerifier

from notification_service.api import routers
from notification_service.config import Settings
from notification_service.consumers import consumer
from notification_service.context import NotifyContext
from notification_service.loops import loops

SERVICE_DIR = Path(__file__).resolve().parents[2]


def create_app(settings: Settings | None = None, *, verifier: TokenVerifier | None = None) -> FastAPI:
    """Build the app; tests pass their own settings and token verifier."""
    settings = settings or Settings()
    return create_service_app(
        settings,
        title="notification-service",
        description="The sellers' live feed (Server-Sent Events) and their notifications by e-mail.",
        context=NotifyContext.build,
        routers=routers,
        consumers=[consumer],
        loops=loops(settings),
        service_dir=SERVICE_DIR,
        verifier=verifier,
    )


app = create_app()
