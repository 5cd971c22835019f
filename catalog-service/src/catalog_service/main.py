"""The catalog-service app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from vitrine_kit.app import create_service_app
from vitrine_kit.auth.jwt import TokenVerifier
from vitrine_kit.loops import BackgroundLoop

from catalog_service.api import routers
from catalog_service.config import Settings
from catalog_service.consumers import consumer, imports, reference
from catalog_service.context import CatalogContext
from catalog_service.pricing import ecb
from catalog_service.revisions import loop as revisions

SERVICE_DIR = Path(__file__).resolve().parents[2]


def create_app(settings: Settings | None = None, *, verifier: TokenVerifier | None = None) -> FastAPI:
    """Build the app; tests pass their own settings and token verifier."""
    settings = settings or Settings()
    return create_service_app(
        settings,
        title="catalog-service",
        description="Products, reference data, publications, sales and oversell alerts.",
        context=CatalogContext.build,
        routers=routers,
        consumers=[consumer, reference, imports],
        loops=[
            BackgroundLoop.every("catalog-revisions", settings.revision_tick_s, revisions.tick),
            *(
                [BackgroundLoop.every("catalog-exchange-rates", settings.ecb_retry_s, ecb.tick)]
                if settings.ecb_refresh_s > 0
                else []
            ),
        ],
        service_dir=SERVICE_DIR,
        verifier=verifier,
    )


app = create_app()
