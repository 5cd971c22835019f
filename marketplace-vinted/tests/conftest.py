"""marketplace-vinted driven as its neighbours drive it: catalog's commands and the relay's reports published on
the broker, the seller's API over HTTP, what it emits read from its outbox. Real PostgreSQL and RabbitMQ; the
plugin's answers are played as the relay would report them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import aio_pika
import httpx
import pytest_asyncio
import sqlalchemy as sa
from marketplace_vinted.config import Settings
from marketplace_vinted.context import VintedContext
from marketplace_vinted.jobs.photos import PhotoResolver
from marketplace_vinted.main import SERVICE_DIR, create_app
from vitrine_contracts import Envelope, Event, new_envelope
from vitrine_contracts.catalog import ImageRef, MarketplaceMapping, ProductSnapshot
from vitrine_contracts.common import Money
from vitrine_contracts.relay.v1 import VintedSession
from vitrine_contracts.vinted import PluginConnected, VintedJobCompleted
from vitrine_kit.app import ServiceRuntime
from vitrine_kit.db.engine import Database
from vitrine_kit.db.migrations import MigrationTrees
from vitrine_kit.db.models import OutboxMessage
from vitrine_kit.db.tenancy import TenantRegistry
from vitrine_kit.events.outbox import Outbox
from vitrine_kit.metrics import ServiceMetrics
from vitrine_kit.testing.app import running_app
from vitrine_kit.testing.helpers import eventually


def snapshot(**over: Any) -> ProductSnapshot:
    """A product Vinted accepts (mapped to Vinted's ids)."""
    values: dict[str, Any] = {
        "product_id": uuid.uuid4(),
        "sku": "S1",
        "title": "Levi's 501   jeans",
        "description": "d",
        "price": Money(amount=Decimal("27.90"), currency="EUR"),
        "quantity": 1,
        "images": [ImageRef(media_id=uuid.uuid4(), url="http://x/1.jpg")],
        "mapping": MarketplaceMapping(
            category_id="1206",
            condition_id="2",
            extra={"color_ids": [1, 2, 3], "size_id": 206, "brand_id": 53},
        ),
    }
    return ProductSnapshot(**(values | over))


class Seller:
    """One tenant: its API calls, the events its neighbours send about it, what the service emits for it."""

    snapshot = staticmethod(snapshot)
    eventually = staticmethod(eventually)

    def __init__(self, app: App, tenant_id: uuid.UUID) -> None:
        self.app = app
        self.tenant_id = tenant_id
        self.headers = {"Authorization": f"Bearer {app.keys.issue(tenant_id=tenant_id)}"}
        self.device: uuid.UUID | None = None

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return await self.app.client.request(method, url, headers=headers, **kwargs)

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", url, **kwargs)

    async def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PUT", url, **kwargs)

    async def play(self, event: Event, envelope: Envelope[Event] | None = None) -> Envelope[Event]:
        """Publish ``event`` as its producer would (``envelope`` to deliver one again, same id)."""
        envelope = envelope or new_envelope(event, producer="test", tenant_id=self.tenant_id)
        await self.app.exchange.publish(
            aio_pika.Message(envelope.model_dump_json().encode(), message_id=str(envelope.id)),
            event.routing_key(),
        )
        return envelope

    async def emitted(self, event_type: str) -> list[dict[str, Any]]:
        """Payloads of the ``event_type`` events marketplace-vinted wrote for this tenant, oldest first."""
        async with self.app.runtime.db.session() as session:
            rows = await session.scalars(
                sa.select(OutboxMessage)
                .where(OutboxMessage.routing_key.startswith(event_type))
                .order_by(OutboxMessage.seq)
            )
            return [r.body["payload"] for r in rows if r.body.get("tenant_id") == str(self.tenant_id)]

    async def online(self, max_in_flight: int = 10) -> uuid.UUID:
        """A plugin says hello on a relay replica (its Vinted session logged in); returns its device id."""
        self.device = uuid.uuid4()
        await self.play(
            PluginConnected(
                tenant_id=self.tenant_id,
                device_id=self.device,
                relay_instance="relay-test",
                connection_id=uuid.uuid4().hex,
                capabilities=["publish", "update", "delist", "sync_sales", "sync_wardrobe", "fetch_item"],
                vinted=VintedSession(logged_in=True, user_id=1001, login="demo", domain="www.vinted.fr"),
                max_in_flight=max_in_flight,
                connected_at=datetime.now(UTC),
            )
        )

        async def online() -> bool:
            response = await self.get("/account")
            return response.status_code == 200 and response.json()["plugins_online"] == 1

        await eventually(online)
        return self.device

    async def next_job(
        self, kind: str, seen: set[str] | None = None, timeout: float = 10.0
    ) -> dict[str, Any]:
        """The next ``vinted.job.dispatch`` of ``kind`` for this tenant, whose job id is not in ``seen``."""
        seen = seen if seen is not None else set()

        async def found() -> dict[str, Any] | None:
            for job in await self.emitted("vinted.job.dispatch"):
                if job["kind"] == kind and job["job_id"] not in seen:
                    return job
            return None

        job = await eventually(found, timeout=timeout)
        seen.add(job["job_id"])
        return dict(job)

    async def answer(
        self, job: dict[str, Any], data: dict[str, Any] | None = None, *, error: dict[str, Any] | None = None
    ) -> None:
        """The plugin's result for a dispatched job, as the relay reports it."""
        await self.play(
            VintedJobCompleted(
                job_id=uuid.UUID(job["job_id"]),
                tenant_id=self.tenant_id,
                device_id=uuid.UUID(job["device_id"]),
                outcome="failed" if error is not None else "succeeded",
                data=data or {},
                error=error,
            )
        )

    async def every(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a paged list, following ``next_cursor``."""
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            response = await self.get(
                path, params={**params, "limit": 100, **({"cursor": cursor} if cursor else {})}
            )
            assert response.status_code == 200, response.text
            items += response.json()["items"]
            cursor = response.json()["next_cursor"]
            if cursor is None:
                return items

    async def listings(self) -> list[dict[str, Any]]:
        return await self.every("/listings")

    async def listing_of(self, publication_id: uuid.UUID) -> dict[str, Any] | None:
        return next((li for li in await self.listings() if li["publication_id"] == str(publication_id)), None)

    async def job(self, job_id: str) -> dict[str, Any]:
        return next(j for j in await self.every("/jobs") if j["id"] == job_id)


class App:
    def __init__(
        self,
        client: httpx.AsyncClient,
        runtime: ServiceRuntime,
        keys: Any,
        exchange: aio_pika.abc.AbstractExchange,
    ) -> None:
        self.client = client
        self.runtime = runtime
        self.keys = keys
        self.exchange = exchange

    def seller(self) -> Seller:
        return Seller(self, uuid.uuid4())


def fast_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "log_json": False,
        "outbox_poll_interval_s": 0.1,
        "consumer_retry_delays_ms": [200, 300],
        "consumer_max_attempts": 2,
        "media_url": "",
        "billing_url": None,  # the plan's limit: tests/accounts/test_plan_limit.py plays billing-service
        "dispatch_poll_s": 0.05,
        "min_gap_s": 0,
        "max_gap_s": 0,
        "pause_every": 0,
        "reference_refresh_s": 0,  # the schedule: tests/reference/test_schedule.py drives it itself
    }
    return Settings(**(values | overrides))


@pytest_asyncio.fixture(scope="session")
async def vinted_db(service_database: Any) -> str:
    return str(await service_database("vinted", SERVICE_DIR))


@pytest_asyncio.fixture(scope="module")
async def app(vinted_db: str, amqp_url: str, broker_namespace: str, test_keys: Any) -> AsyncIterator[App]:
    namespace = f"{broker_namespace}{uuid.uuid4().hex[:6]}."
    settings = fast_settings(database_url=vinted_db, amqp_url=amqp_url, broker_namespace=namespace)
    async with running_app(create_app(settings, verifier=test_keys.verifier())) as (client, runtime):
        queues = {runner.queue_name for runner in runtime.runners}

        async def declared() -> bool:
            return queues <= runtime.broker.declared_queues

        await eventually(declared)
        connection = await aio_pika.connect(amqp_url)
        channel = await connection.channel()
        exchange = await channel.get_exchange(f"{namespace}vitrine.events")
        try:
            yield App(client, runtime, test_keys, exchange)
        finally:
            await connection.close()


@pytest_asyncio.fixture
async def seller(app: App) -> Seller:
    return app.seller()


class RecordingOutbox(Outbox):
    """The kit's outbox, keeping every event written (for tests that call the services without a broker)."""

    def __init__(self, producer: str) -> None:
        super().__init__(producer)
        self.sent: list[Event] = []

    def add(self, session: Any, event: Event, **kwargs: Any) -> Envelope[Event]:
        self.sent.append(event)
        return super().add(session, event, **kwargs)


Standalone = Callable[[Settings], Awaitable[tuple[VintedContext, uuid.UUID]]]


@pytest_asyncio.fixture(scope="session")
async def standalone_db(service_database: Any) -> str:
    """A database of its own: no running app's dispatcher visits its tenants."""
    return str(await service_database("vinted_alone", SERVICE_DIR))


@pytest_asyncio.fixture
async def standalone(standalone_db: str) -> AsyncIterator[Standalone]:
    """The service's context without the app (no loops, no consumers) and a fresh tenant: the services
    called directly, step by step."""
    made: list[Database] = []

    async def make(settings: Settings) -> tuple[VintedContext, uuid.UUID]:
        db = Database(standalone_db)
        made.append(db)
        tenants = TenantRegistry(db, MigrationTrees.in_dir(SERVICE_DIR).tenant)
        tenant = uuid.uuid4()
        await tenants.ensure(tenant)
        settings = settings.model_copy(update={"media_url": ""})  # the snapshot's photo URLs as they are
        context = VintedContext(
            settings=settings,
            db=db,
            outbox=RecordingOutbox(settings.service_name),
            metrics=ServiceMetrics(),
            tenants=tenants,
            photos=PhotoResolver(settings),
            slots=None,
        )
        return context, tenant

    yield make
    for db in made:
        await db.dispose()
