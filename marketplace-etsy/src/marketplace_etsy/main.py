"""The marketplace-etsy app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from vitrine_kit.app import create_service_app
from vitrine_kit.auth.jwt import TokenVerifier
from vitrine_kit.loops import BackgroundLoop

from marketplace_etsy.api import routers
from marketplace_etsy.config import Settings
from marketplace_etsy.consumers import consumer
from marketplace_etsy.context import EtsyContext
from marketplace_etsy.housekeeping import sweep
from marketplace_etsy.orders.poller import receipt_poller

SERVICE_DIR = Path(__file__).resolve().parents[2]


def loops(settings: Settings) -> list[BackgroundLoop[EtsyContext]]:
    """The worker's loops: receipt polling (each shop by one replica) and housekeeping."""
    return [
        BackgroundLoop.every("etsy-receipts", settings.receipt_poll_tick_s, receipt_poller.tick),
        BackgroundLoop.every(
            "etsy-housekeeping", settings.housekeeping_interval_s, sweep, first_delay_s=30.0
        ),
    ]


def create_app(
    settings: Settings | None = None,
    *,
    verifier: TokenVerifier | None = None,
    poll_receipts: bool = True,
) -> FastAPI:
    """Build the app; tests pass their settings, a verifier, and may leave the loops off."""
    settings = settings or Settings()
    return create_service_app(
        settings,
        title="marketplace-etsy",
        description="Etsy shops, listings and receipts for Vitrine.",
        context=EtsyContext.build,
        routers=routers,
        consumers=[consumer],
        loops=loops(settings) if poll_receipts else [],
        service_dir=SERVICE_DIR,
        verifier=verifier,
    )


app = create_app()
