"""The marketplace-ebay app."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import httpx
from fastapi import FastAPI
from vitrine_kit.app import ServiceRuntime, create_service_app
from vitrine_kit.auth.jwt import TokenVerifier
from vitrine_kit.settings import RunMode

from marketplace_ebay.api import routers
from marketplace_ebay.config import Settings
from marketplace_ebay.consumers import build_consumer
from marketplace_ebay.context import EbayContext
from marketplace_ebay.ebay_api import EbayAdapter
from marketplace_ebay.orders.service import order_poller

SERVICE_DIR = Path(__file__).resolve().parents[2]


def create_app(
    settings: Settings | None = None,
    *,
    verifier: TokenVerifier | None = None,
    ebay_http: httpx.AsyncClient | None = None,
    poll_orders: bool = True,
) -> FastAPI:
    """Build the app; tests pass their settings, a verifier, and may turn the order poller off."""
    settings = settings or Settings()
    ebay = EbayContext.build(settings)
    if ebay_http is not None:
        ebay.ebay = EbayAdapter(settings, http=ebay_http)

    async def startup(runtime: ServiceRuntime) -> None:
        ebay.db, ebay.outbox = runtime.db, runtime.outbox
        runtime.extras["ebay"] = ebay
        if poll_orders and settings.run_mode in (RunMode.WORKER, RunMode.ALL):
            runtime.extras["poller"] = asyncio.create_task(order_poller.run(ebay), name="ebay-order-poller")

    async def shutdown(runtime: ServiceRuntime) -> None:
        task = runtime.extras.get("poller")
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await ebay.ebay.aclose()

    return create_service_app(
        settings,
        title="marketplace-ebay",
        description="eBay accounts, listings and orders for Vitrine.",
        routers=routers,
        consumers=[build_consumer(ebay)],
        service_dir=SERVICE_DIR,
        verifier=verifier,
        on_startup=[startup],
        on_shutdown=[shutdown],
    )


app = create_app()
