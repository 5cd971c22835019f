"""The catalog-service app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from vitrine_kit.app import create_service_app
from vitrine_kit.auth.jwt import TokenVerifier

from catalog_service.api import routers
from catalog_service.config import Settings
from catalog_service.consumers import consumer
from catalog_service.context import CatalogContext

SERVICE_DIR = Path(__file__).resolve().parents[2]


def create_app(settings: Settings | None = None, *, verifier: TokenVerifier | None = None) -> FastAPI:
    """Build the app; tests pass their own settings and token verifier."""
    return create_service_app(
        settings or Settings(),
        title="catalog-service",
        description="Products, reference data, publications, sales and oversell alerts.",
        context=CatalogContext.build,
        routers=routers,
        consumers=[consumer],
        service_dir=SERVICE_DIR,
        verifier=verifier,
    )


app = create_app()
