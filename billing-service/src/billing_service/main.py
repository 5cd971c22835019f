"""The billing-service app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from vitrine_kit.app import create_service_app
from vitrine_kit.auth.jwt import TokenVerifier

from billing_service.api import routers
from billing_service.config import Settings
from billing_service.consumers import consumer
from billing_service.context import BillingContext
from billing_service.loops import billing_loops

SERVICE_DIR = Path(__file__).resolve().parents[2]


def create_app(settings: Settings | None = None, *, verifier: TokenVerifier | None = None) -> FastAPI:
    """Build the app; tests pass their own settings and token verifier."""
    settings = settings or Settings()
    return create_service_app(
        settings,
        title="billing-service",
        description="Plans, Stripe subscriptions and credit packs, the AI credit ledger.",
        context=BillingContext.build,
        routers=routers,
        consumers=[consumer],
        loops=billing_loops(settings),
        service_dir=SERVICE_DIR,
        verifier=verifier,
    )


app = create_app()
