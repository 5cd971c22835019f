"""The Etsy sandbox app: Etsy's endpoints, the x-api-key check, rate limits, faults, the control API."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from starlette.responses import JSONResponse, Response

from sandbox_etsy.config import Settings
from sandbox_etsy.errors import install
from sandbox_etsy.routes_control import page_router
from sandbox_etsy.routes_control import router as control
from sandbox_etsy.routes_listings import router as listings
from sandbox_etsy.routes_oauth import router as oauth
from sandbox_etsy.routes_receipts import router as receipts
from sandbox_etsy.routes_shop import router as shop
from sandbox_etsy.state import World

ETSY = ("/oauth/connect", "/v3/")
API = "/v3/application/"
FAULT_MESSAGES = {
    429: "Too many requests. Please wait and try again.",
    500: "An internal error occurred. Please try again later.",
    502: "Bad gateway.",
    503: "The service is temporarily unavailable. Please try again later.",
    504: "The server did not respond in time.",
}


def api_key_verdict(header: str | None, settings: Settings) -> tuple[str, str]:
    """``x-api-key: <keystring>:<shared_secret>``, required on every ``/v3/application`` call since 2026."""
    if header is None or not header.strip():
        return "missing", "Missing API key: send the x-api-key header as 'keystring:shared_secret'."
    keystring, colon, secret = header.strip().partition(":")
    if not colon:
        return "no_secret", "Shared secret is required in x-api-key header."
    if not keystring or not secret or ":" in secret:
        return "malformed", "Invalid API key: should be in the format 'keystring:shared_secret'."
    if keystring != settings.keystring or secret != settings.shared_secret:
        return "invalid", "Invalid API key"
    return "ok", ""


def _fault_response(status: int, retry_after: int | None) -> Response:
    headers = {"retry-after": str(retry_after)} if retry_after is not None else None
    message = FAULT_MESSAGES.get(status, "The request could not be completed.")
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def create_app(settings: Settings | None = None, world: World | None = None) -> FastAPI:
    """Build the sandbox; tests may pass their own settings and world."""
    settings = settings or Settings()
    app = FastAPI(title="sandbox-etsy", description="A local stand-in for Etsy Open API v3.")
    app.state.settings = settings
    app.state.world = world or World(settings.rate_limit_per_second, settings.rate_limit_per_day)
    install(app)

    @app.middleware("http")
    async def etsy(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        path = request.url.path
        if not path.startswith(ETSY):
            return await call_next(request)
        state: World = app.state.world
        entry: dict[str, Any] = {
            "method": request.method,
            "path": path,
            "query": request.url.query,
            "api_key": None,
            "user_id": None,
            "status": None,
            "at": time.time(),
        }
        state.requests.append(entry)
        bearer = request.headers.get("authorization", "").partition(" ")[2].strip()
        token = state.access.get(bearer)
        entry["user_id"] = token.user_id if token else None
        if state.latency_ms:
            await asyncio.sleep(state.latency_ms / 1000)
        fault = state.fault_for(path)
        if fault is not None and not fault.after_processing:
            entry["status"] = fault.status
            return _fault_response(fault.status, fault.retry_after)
        limits: dict[str, str] = {}
        if path.startswith(API):
            verdict, message = api_key_verdict(request.headers.get("x-api-key"), settings)
            entry["api_key"] = verdict
            if verdict != "ok":
                entry["status"] = 403
                return JSONResponse({"error": message}, status_code=403)
            retry_after, limits = state.limiter.hit(time.time())
            if retry_after is not None:
                entry["status"] = 429
                return JSONResponse(
                    {"error": "You have exceeded the rate limit of your application. Please slow down."},
                    status_code=429,
                    headers={"retry-after": str(retry_after)},
                )
        response = await call_next(request)
        if fault is not None:  # after_processing: the work is done, the caller sees an error
            entry["status"] = fault.status
            return _fault_response(fault.status, fault.retry_after)
        response.headers.update(limits)
        entry["status"] = response.status_code
        return response

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    for router in (oauth, shop, listings, receipts, control, page_router):
        app.include_router(router)
    return app
