from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import pytest_asyncio
import sqlalchemy as sa
import stripe
import uvicorn
from billing_service.config import Settings
from billing_service.context import BillingContext
from billing_service.main import SERVICE_DIR, create_app
from billing_service.models import Account, WebhookEvent
from billing_service.plans.service import plan_service
from billing_service.webhooks import repository
from fastapi import FastAPI
from sandbox_stripe.config import Settings as StandInSettings
from sandbox_stripe.testing import serve
from vitrine_contracts import Event
from vitrine_contracts.billing_api import CREDITS_SCOPE
from vitrine_kit.app import ServiceRuntime
from vitrine_kit.db import held
from vitrine_kit.db.models import OutboxMessage
from vitrine_kit.testing.app import running_app
from vitrine_kit.testing.helpers import eventually, free_port, settings_for_test

WEBHOOK_SECRET = "whsec_local_sandbox_secret"


@pytest.fixture(scope="session")
def billing_port() -> int:
    """Where this worker's billing app listens for the stand-in's webhooks (one app per module at a time)."""
    return free_port()


@pytest.fixture(scope="session")
def standin_url(billing_port: int) -> Iterator[str]:
    """The Stripe stand-in, in a thread on a free port, delivering every event to billing's webhook."""
    settings = StandInSettings(
        _env_file=None,
        webhook_urls=[f"http://127.0.0.1:{billing_port}/webhooks/stripe"],
        webhook_secret=WEBHOOK_SECRET,
        webhook_retry_delays_s=[0.3, 1.0, 2.0],
        webhook_timeout_s=5,
    )
    with serve(settings) as url:
        yield url


@pytest_asyncio.fixture
async def standin(standin_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The stand-in's control API (``/sandbox/…``); deliveries resumed and faults cleared after each test."""
    async with httpx.AsyncClient(base_url=standin_url, timeout=10) as client:
        yield client
        await client.post("/sandbox/deliveries/resume")
        await client.delete("/sandbox/faults")


@pytest_asyncio.fixture(scope="session")
async def stripe_client(standin_url: str) -> AsyncIterator[stripe.StripeClient]:
    """The official SDK on the stand-in, for what a seller does in Stripe's pages (portal changes)."""
    http = stripe.HTTPXClient()
    yield stripe.StripeClient(
        "sk_test_local_sandbox", base_addresses={"api": standin_url}, http_client=http, max_network_retries=0
    )
    await http.close_async()


@pytest_asyncio.fixture(scope="session")
async def billing_db(service_database: Any) -> str:
    return await service_database("billing", SERVICE_DIR)


@contextlib.asynccontextmanager
async def listening(app: FastAPI, port: int) -> AsyncIterator[None]:
    """Serve an app already started (its lifespan run by ``running_app``) over HTTP on ``port``."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: server.started, timeout=10)
        yield
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)


class Seller:
    """One tenant using billing's API, paying through the stand-in's hosted Checkout."""

    def __init__(self, app: App, tenant_id: uuid.UUID, roles: tuple[str, ...] = ("owner",)) -> None:
        self.app = app
        self.tenant_id = tenant_id
        self.headers = {"Authorization": f"Bearer {app.keys.issue(tenant_id=tenant_id, roles=roles)}"}

    def as_member(self, *roles: str) -> Seller:
        return Seller(self.app, self.tenant_id, roles)

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.app.client.get(url, headers=self.headers, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return await self.app.client.post(url, headers=headers, **kwargs)

    async def subscription(self) -> dict[str, Any]:
        response = await self.get("/subscription")
        assert response.status_code == 200, response.text
        return response.json()

    async def credits(self, **params: Any) -> dict[str, Any]:
        response = await self.get("/credits", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    async def checkout(self, kind: str, code: str) -> dict[str, Any]:
        body = {"plan": code} if kind == "subscription" else {"pack": code}
        response = await self.post(f"/checkout/{kind}", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    async def pay(self, standin: httpx.AsyncClient, session_id: str, outcome: str = "paid") -> dict[str, Any]:
        """What the seller's click on the hosted page does."""
        response = await standin.post(
            f"/sandbox/checkout_sessions/{session_id}/complete", json={"outcome": outcome}
        )
        assert response.status_code in (200, 402), response.text
        return response.json()

    async def subscribe(self, standin: httpx.AsyncClient, plan: str) -> str:
        """Check out ``plan`` and pay; returns the Stripe subscription id once billing applied it."""
        session = await self.checkout("subscription", plan)
        paid = await self.pay(standin, session["session_id"])
        await self.wait_plan(plan)
        return str(paid["subscription"])

    async def wait_plan(self, plan: str, status: str = "active") -> dict[str, Any]:
        async def applied() -> dict[str, Any] | None:
            current = await self.subscription()
            return current if (current["plan"], current["status"]) == (plan, status) else None

        result: dict[str, Any] = await eventually(applied, timeout=20)
        return result

    async def wait_credits(self, **expected: int) -> dict[str, Any]:
        async def reached() -> dict[str, Any] | None:
            current = await self.credits()
            return current if all(current[k] == v for k, v in expected.items()) else None

        result: dict[str, Any] = await eventually(reached, timeout=20)
        return result

    async def emitted(self, event_type: str) -> list[dict[str, Any]]:
        """Payloads of the events billing wrote for this tenant, oldest first."""
        return await self.app.emitted(event_type, self.tenant_id)


class App:
    def __init__(self, client: httpx.AsyncClient, runtime: ServiceRuntime, keys: Any) -> None:
        self.client = client
        self.runtime = runtime
        self.keys = keys

    @property
    def context(self) -> BillingContext:
        context: BillingContext = self.runtime.context  # type: ignore[assignment]
        return context

    def seller(self) -> Seller:
        return Seller(self, uuid.uuid4())

    def service_headers(self, scope: str = f"service {CREDITS_SCOPE}") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys.issue(sub='ai-service', roles=(), scope=scope)}"}

    async def emitted(self, event_type: str, tenant_id: uuid.UUID) -> list[dict[str, Any]]:
        async with self.runtime.db.session() as session:
            rows = await session.scalars(
                sa.select(OutboxMessage)
                .where(OutboxMessage.routing_key == event_type)
                .order_by(OutboxMessage.seq)
            )
            return [r.body["payload"] for r in rows if r.body.get("tenant_id") == str(tenant_id)]

    async def stripe_events(self, tenant_id: uuid.UUID | None = None) -> list[WebhookEvent]:
        async with self.runtime.db.session() as session:
            query = sa.select(WebhookEvent).order_by(WebhookEvent.received_at)
            if tenant_id is not None:
                query = query.where(WebhookEvent.tenant_id == tenant_id)
            return list(await session.scalars(query))

    async def customer_of(self, tenant_id: uuid.UUID) -> str | None:
        async with self.runtime.db.session() as session:
            account = await session.get(Account, tenant_id)
            return account.stripe_customer_id if account else None

    async def price_of(self, plan: str) -> str:
        """The Stripe price of a plan (made at the stand-in if needed)."""
        prices = self.context.prices
        async with self.runtime.db.session() as session:
            item = await plan_service.get(session, plan)
            price = await prices.known(session, item)
            await session.commit()
            if price is None:
                price = await prices.from_stripe(item)
                await prices.remember(session, item, price)
                await session.commit()
        return price

    async def store_event(self, event: dict[str, Any], **values: Any) -> str:
        """Store a Stripe event as the webhook endpoint does (``values``: e.g. a later ``next_attempt_at``,
        for the test to hand it to the worker itself); its id."""
        async with self.runtime.db.session() as session:
            await repository.store(
                session,
                {
                    "id": event["id"],
                    "type": event["type"],
                    "stripe_created": datetime.fromtimestamp(event["created"], UTC),
                    "livemode": False,
                    "payload": event,
                    **values,
                },
            )
            await session.commit()
        return str(event["id"])

    async def play(self, event: Event, tenant_id: uuid.UUID) -> None:
        """Publish an event as another service would (outbox → relay → broker → billing's consumer)."""
        async with self.runtime.db.session() as session:
            self.runtime.outbox.add(session, event, tenant_id=tenant_id)
            await session.commit()


def billing_settings(
    billing_db: str, amqp_url: str, broker_namespace: str, standin_url: str, **overrides: Any
) -> Settings:
    return settings_for_test(
        Settings,
        database_url=billing_db,
        amqp_url=amqp_url,
        broker_namespace=broker_namespace,
        stripe_api_base=standin_url,
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_max_network_retries=0,
        webhook_poll_interval_s=0.2,
        webhook_retry_delays_s=[0.2, 0.5, 1.0],
        **overrides,
    )


@pytest_asyncio.fixture(scope="module")
async def app(
    billing_db: str, amqp_url: str, broker_namespace: str, test_keys: Any, standin_url: str, billing_port: int
) -> AsyncIterator[App]:
    settings = billing_settings(billing_db, amqp_url, broker_namespace, standin_url)
    application = create_app(settings, verifier=test_keys.verifier())
    async with running_app(application) as (client, runtime), listening(application, billing_port):
        queues = {runner.queue_name for runner in runtime.runners}

        async def declared() -> bool:
            return queues <= runtime.broker.declared_queues

        await eventually(declared)
        yield App(client, runtime, test_keys)


@pytest_asyncio.fixture
async def seller(app: App) -> Seller:
    """A tenant that has used billing once (as after tenant.created): services may then name it."""
    seller = app.seller()
    await seller.credits()
    return seller


@pytest.fixture
def strict_connections() -> Iterator[None]:
    """A call to Stripe (or another service) made by the test's requests while they hold a pooled database
    connection fails the test (this test's task only: the webhook worker, started before, keeps warning)."""
    with held.strict():
        yield
