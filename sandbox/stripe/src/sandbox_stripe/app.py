"""The Stripe stand-in app: the ``/v1`` API, the hosted pages, webhook deliveries and the control API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response

from sandbox_stripe.api import request_id_of
from sandbox_stripe.api import router as api
from sandbox_stripe.config import Settings
from sandbox_stripe.errors import StripeError
from sandbox_stripe.pages import router as pages
from sandbox_stripe.routes_control import router as control
from sandbox_stripe.seed import seed
from sandbox_stripe.state import World
from sandbox_stripe.webhooks import Dispatcher


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the stand-in; tests pass their own settings."""
    settings = settings or Settings()
    world = World(settings)
    seed(world)
    dispatcher = Dispatcher(world)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await dispatcher.stop()

    app = FastAPI(
        title="sandbox-stripe",
        description="A local stand-in for Stripe: the v1 API the SDK calls, hosted pages, signed webhooks.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.world = world
    app.state.dispatcher = dispatcher

    @app.middleware("http")
    async def request_ids(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request_id = request_id_of(request)
        response = await call_next(request)
        response.headers.setdefault("Request-Id", request_id)
        return response

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0] if exc.errors() else {}
        param = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or None
        error = StripeError(400, f"Invalid request: {first.get('msg', 'invalid body')}", param=param)
        return JSONResponse(error.body(request_id_of(request)), status_code=400)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        error = StripeError(exc.status_code, str(exc.detail))
        return JSONResponse(error.body(request_id_of(request)), status_code=exc.status_code)

    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    for router in (api, pages, control):
        app.include_router(router)
    return app
