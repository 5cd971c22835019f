"""The auth-service app."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI
from vitrine_kit.app import ServiceRuntime, create_service_app

from auth_service.api import routers
from auth_service.clients.service import client_service
from auth_service.config import Settings
from auth_service.context import AuthContext
from auth_service.keys.service import KeyStore
from auth_service.security.client_ip import parse_networks
from auth_service.security.mailer import LogMailer, Mailer
from auth_service.security.passwords import PasswordHasher
from auth_service.security.throttle import LoginThrottler

SERVICE_DIR = Path(__file__).resolve().parents[2]
logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, mailer: Mailer | None = None) -> FastAPI:
    """Build the app; tests pass their own settings and a recording mailer."""
    settings = settings or Settings()
    keys = KeyStore(settings)
    chosen_mailer: Mailer = mailer or LogMailer()

    async def startup(runtime: ServiceRuntime) -> None:
        keys.attach(runtime.db)
        try:
            await keys.ensure()
        except Exception:  # not migrated yet: /readyz says so, and the key is made on first use
            logger.exception("could not ensure a signing key at start-up")
        assert runtime.tenants is not None
        runtime.extras.update(
            keys=keys,
            mailer=chosen_mailer,
            trusted_proxies=parse_networks(settings.trusted_proxies),
            auth=AuthContext(
                settings=settings,
                db=runtime.db,
                keys=keys,
                hasher=PasswordHasher.from_settings(settings),
                throttler=LoginThrottler.from_settings(runtime.db, settings),
                tenants=runtime.tenants,
                outbox=runtime.outbox,
                mailer=chosen_mailer,
            ),
        )
        if settings.service_clients:
            async with runtime.db.session() as session, session.begin():
                await client_service.seed(session, settings.service_clients)

    return create_service_app(
        settings,
        title="auth-service",
        description="Users, tenants, credentials, tokens, plugin pairings and service clients.",
        routers=routers,
        service_dir=SERVICE_DIR,
        verifier=keys.verifier(),
        on_startup=[startup],
    )


app = create_app()
