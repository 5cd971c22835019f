"""The auth-service app."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from fastapi import FastAPI
from vitrine_kit.app import create_service_app

from auth_service.api import routers
from auth_service.config import Settings
from auth_service.context import AuthContext
from auth_service.keys.service import KeyStore
from auth_service.security.mailer import Mailer

SERVICE_DIR = Path(__file__).resolve().parents[2]


def create_app(settings: Settings | None = None, *, mailer: Mailer | None = None) -> FastAPI:
    """Build the app; tests pass their own settings and a recording mailer (else the settings choose)."""
    settings = settings or Settings()
    # The key store verifies this service's own tokens, so the app's verifier is built from it.
    keys = KeyStore(settings)
    return create_service_app(
        settings,
        title="auth-service",
        description="Users, tenants, credentials, tokens, plugin pairings and service clients.",
        context=partial(AuthContext.build, keys=keys, mailer=mailer),
        routers=routers,
        service_dir=SERVICE_DIR,
        verifier=keys.verifier(),
    )


app = create_app()
