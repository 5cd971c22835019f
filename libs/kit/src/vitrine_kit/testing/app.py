"""Running a service app in-process for tests: lifespan started, an httpx client on the ASGI transport."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from vitrine_kit.app import ServiceRuntime
from vitrine_kit.testing.infra import delete_queues


@contextlib.asynccontextmanager
async def running_app(
    app: FastAPI, *, wait_broker: bool = True
) -> AsyncIterator[tuple[httpx.AsyncClient, ServiceRuntime]]:
    """Start ``app`` (lifespan included), yield a client and the runtime, then stop it and delete its queues."""
    declared: set[str] = set()
    exchanges: set[str] = set()
    amqp = ""
    try:
        async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
            runtime: ServiceRuntime = app.state.runtime
            amqp = runtime.settings.amqp_url.get_secret_value()
            try:
                if wait_broker:
                    await runtime.broker.wait_connected(timeout=20)
                transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
                async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                    yield client, runtime
            finally:
                declared = set(runtime.broker.declared_queues)
                if runtime.broker.namespace:  # never the shared exchange of a real fleet
                    exchanges = {runtime.broker.exchange_name}
    finally:
        # Also when the test failed: a run must not leave its queues in the broker.
        with contextlib.suppress(Exception):
            await delete_queues(amqp, declared, exchanges)
