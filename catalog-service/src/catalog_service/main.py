"""The catalog-service app."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI
from vitrine_kit.app import ServiceRuntime, create_service_app
from vitrine_kit.auth.jwt import TokenVerifier
from vitrine_kit.events.outbox import Outbox

from catalog_service.api import routers
from catalog_service.config import Settings
from catalog_service.consumers import build_consumer
from catalog_service.context import CatalogContext
from catalog_service.reference.catalog import ReferenceCache

SERVICE_DIR = Path(__file__).resolve().parents[2]
logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, verifier: TokenVerifier | None = None) -> FastAPI:
    """Build the app; tests pass their own settings and token verifier."""
    settings = settings or Settings()
    # The cache gets its database at start-up; the consumer needs the context before that.
    context = CatalogContext(
        settings=settings, reference=ReferenceCache(None), outbox=Outbox(settings.service_name)
    )

    async def startup(runtime: ServiceRuntime) -> None:
        context.reference.db = runtime.db
        context.outbox = runtime.outbox
        runtime.extras["catalog"] = context
        try:
            await context.reference.get()
        except Exception:  # not migrated yet: /readyz says so, and the data is loaded on first use
            logger.exception("could not load reference data at start-up")

    return create_service_app(
        settings,
        title="catalog-service",
        description="Products, reference data, publications, sales and oversell alerts.",
        routers=routers,
        consumers=[build_consumer(context)],
        service_dir=SERVICE_DIR,
        verifier=verifier,
        on_startup=[startup],
    )


app = create_app()
