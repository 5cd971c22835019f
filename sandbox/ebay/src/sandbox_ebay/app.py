"""The eBay sandbox app: eBay's endpoints, faults and latency on demand, and the control API."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from starlette.responses import JSONResponse, Response

from sandbox_ebay.budget import CallBudget
from sandbox_ebay.config import Settings
from sandbox_ebay.errors import error_item, install, install_post_order
from sandbox_ebay.notifications import Notifier
from sandbox_ebay.routes_after_sale import router as after_sale
from sandbox_ebay.routes_bulk import router as bulk
from sandbox_ebay.routes_control import page_router
from sandbox_ebay.routes_control import router as control
from sandbox_ebay.routes_control_after_sale import router as control_after_sale
from sandbox_ebay.routes_ecb import router as ecb
from sandbox_ebay.routes_notifications import router as control_notifications
from sandbox_ebay.routes_oauth import router as oauth
from sandbox_ebay.routes_sell import router as sell
from sandbox_ebay.state import World
from sandbox_ebay.taxonomy import router as taxonomy

MAX_CALLS = 50_000
NOT_EBAY = ("/sandbox", "/healthz", "/itm", "/images", "/docs", "/openapi.json", "/stats/eurofxref")


def _fault_response(status: int, retry_after: int | None) -> Response:
    category = "REQUEST" if status < 500 else "APPLICATION"
    message = (
        "Too many requests."
        if status == 429
        else "There was a problem with an eBay internal system or process."
    )
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return JSONResponse(
        {
            "errors": [
                error_item(
                    2001 if status == 429 else 25001, message, domain="API_INVENTORY", category=category
                )
            ]
        },
        status_code=status,
        headers=headers,
    )


def create_app(
    settings: Settings | None = None, world: World | None = None, notifier: Notifier | None = None
) -> FastAPI:
    """Build the sandbox; tests may pass their own settings, world and notifier."""
    settings = settings or Settings()
    app = FastAPI(title="sandbox-ebay", description="A local stand-in for eBay's Sell APIs.")
    app.state.settings = settings
    app.state.world = world or World()
    app.state.notifier = notifier or Notifier(settings.notification_url)
    app.state.budget = CallBudget(settings.account_calls_per_s, settings.account_calls_burst)
    install(app)
    install_post_order(app)

    @app.middleware("http")
    async def faults(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        path = request.url.path
        if path.startswith(NOT_EBAY):
            return await call_next(request)
        state: World = app.state.world
        key = f"{request.method} {path}"
        state.requests[key] = state.requests.get(key, 0) + 1
        with state.lock:
            state.calls.append({"method": request.method, "path": path, "at": time.time()})
            if len(state.calls) > MAX_CALLS:  # a long local run keeps the latest only
                del state.calls[: MAX_CALLS // 5]
        if state.latency_ms:
            await asyncio.sleep(state.latency_ms / 1000)
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        holder = state.access.get(token.strip()) if scheme.lower() == "bearer" else None
        if holder is not None and holder.user_id and not app.state.budget.take(holder.user_id):
            return _fault_response(429, 1)  # the seller's call budget is spent
        fault = state.fault_for(path)
        if fault is None:
            return await call_next(request)
        if fault.after_processing:
            await call_next(request)
        return _fault_response(fault.status, fault.retry_after)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    for router in (
        oauth,
        sell,
        taxonomy,
        bulk,
        after_sale,
        control,
        control_after_sale,
        control_notifications,
        ecb,
        page_router,
    ):
        app.include_router(router)
    return app
