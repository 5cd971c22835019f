"""The marketplace-ebay app."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import httpx
from fastapi import FastAPI
from vitrine_kit.app import create_service_app
from vitrine_kit.auth.jwt import TokenVerifier
from vitrine_kit.loops import BackgroundLoop

from marketplace_ebay.after_sale import loop as after_sale
from marketplace_ebay.api import routers
from marketplace_ebay.config import Settings
from marketplace_ebay.consumers import consumer, tenants
from marketplace_ebay.context import EbayContext
from marketplace_ebay.orders.service import order_poller
from marketplace_ebay.reconcile import loop as reconciliation

SERVICE_DIR = Path(__file__).resolve().parents[2]


def create_app(
    settings: Settings | None = None,
    *,
    verifier: TokenVerifier | None = None,
    ebay_http: httpx.AsyncClient | None = None,
    poll_orders: bool = True,
) -> FastAPI:
    """Build the app; tests pass their settings, a verifier, and may turn the background loops off."""
    settings = settings or Settings()
    loops = [
        BackgroundLoop.every("ebay-order-poller", settings.order_poll_tick_s, order_poller.tick),
        BackgroundLoop.every("ebay-reconciler", settings.reconcile_tick_s, reconciliation.tick),
        BackgroundLoop.every("ebay-after-sale", settings.after_sale_tick_s, after_sale.tick),
    ]
    return create_service_app(
        settings,
        title="marketplace-ebay",
        description="eBay accounts, listings and orders for Vitrine.",
        context=partial(EbayContext.build, ebay_http=ebay_http),
        routers=routers,
        consumers=[consumer, tenants],
        loops=loops if poll_orders else [],
        service_dir=SERVICE_DIR,
        verifier=verifier,
    )


app = create_app()
