from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlparse

import aio_pika
import httpx
import pytest
import pytest_asyncio
import sqlalchemy as sa
import uvicorn
from marketplace_ebay.config import Settings
from marketplace_ebay.main import SERVICE_DIR, create_app
from sandbox_ebay.app import create_app as create_sandbox
from vitrine_contracts import Event, new_envelope
from vitrine_contracts.catalog import ImageRef, MarketplaceMapping, ProductSnapshot, PublicationRequested
from vitrine_contracts.common import Marketplace, Money
from vitrine_kit.app import ServiceRuntime
from vitrine_kit.db.models import OutboxMessage
from vitrine_kit.testing.app import running_app
from vitrine_kit.testing.helpers import free_port
from vitrine_kit.testing.proxy import TcpProxy


@pytest.fixture(scope="session")
def sandbox_port() -> Any:
    """The eBay sandbox on a free port, in a thread of its own (its own event loop)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_sandbox(), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield port
    server.should_exit = True
    thread.join(timeout=5)


@pytest_asyncio.fixture(scope="session")
async def proxy(sandbox_port: int) -> AsyncIterator[TcpProxy]:
    """In front of the sandbox: ``refuse()`` takes "eBay" down, ``allow()`` brings it back."""
    p = await TcpProxy("127.0.0.1", sandbox_port).start()
    yield p
    await p.stop()


@pytest_asyncio.fixture
async def sandbox(proxy: TcpProxy) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the sandbox's control API; faults and latency are cleared after each test."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{proxy.port}", timeout=10) as client:
        yield client
        proxy.allow()
        await client.delete("/sandbox/faults")
        await client.post("/sandbox/latency", json={"ms": 0})


@pytest_asyncio.fixture(scope="session")
async def ebay_db(service_database: Any) -> str:
    return await service_database("ebay", SERVICE_DIR)


@pytest.fixture
def make_settings(
    ebay_db: str, amqp_url: str, broker_namespace: str, proxy: TcpProxy
) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        base = f"http://127.0.0.1:{proxy.port}"
        values: dict[str, Any] = {
            "database_url": ebay_db,
            "amqp_url": amqp_url,
            "broker_namespace": f"{broker_namespace}{uuid.uuid4().hex[:6]}.",
            "log_json": False,
            "outbox_poll_interval_s": 0.2,
            "api_base_url": base,
            "auth_base_url": base,
            "item_url_base": base,
            "consumer_retry_delays_ms": [200, 300, 400],
            "consumer_max_attempts": 3,
            "command_max_attempts": 3,
            "retry_attempts": 2,
            "retry_base_delay_s": 0.05,
            "breaker_reset_s": 0.3,
            "media_url": None,  # photos resolved through media-service are covered by the e2e test
            "connect_cookie_path": "/",  # the service's own paths here, not the gateway's
            "billing_url": None,  # the plan's limit: tests/test_plan_limit.py plays billing-service
        }
        values.update(overrides)
        return Settings(**values)

    return make


class Ebay:
    """Steps of the tests on one running marketplace-ebay."""

    def __init__(
        self, client: httpx.AsyncClient, runtime: ServiceRuntime, sandbox: httpx.AsyncClient, keys: Any
    ) -> None:
        self.client, self.runtime, self.sandbox, self.keys = client, runtime, sandbox, keys
        self.tenant = uuid.uuid4()
        self.user = uuid.uuid4()

    @property
    def ctx(self) -> Any:
        return self.runtime.context

    def auth(self, tenant: uuid.UUID | None = None) -> dict[str, str]:
        token = self.keys.issue(sub=str(self.user), tenant_id=tenant or self.tenant)
        return {"Authorization": f"Bearer {token}"}

    async def consent(self, site: str = "EBAY_FR", tenant: uuid.UUID | None = None) -> dict[str, str]:
        """Start connecting and follow eBay's consent redirect; returns the callback's query."""
        start = await self.client.post("/oauth/authorize", json={"site": site}, headers=self.auth(tenant))
        assert start.status_code == 200, start.text
        consent = await self.sandbox.get(start.json()["authorize_url"])
        assert consent.status_code == 302, consent.text
        return {k: v[0] for k, v in parse_qs(urlparse(consent.headers["location"]).query).items()}

    async def connect(self, site: str = "EBAY_FR", tenant: uuid.UUID | None = None) -> str:
        query = await self.consent(site, tenant)
        back = await self.client.get(
            "/oauth/callback", params={"code": query["code"], "state": query["state"]}
        )
        assert back.status_code == 303, back.text
        return parse_qs(urlparse(back.headers["location"]).query)["account_id"][0]

    async def setup(self, account_id: str) -> dict[str, Any]:
        body = {"address": {"country": "FR", "postal_code": "75011", "city": "Paris"}}
        done = await self.client.post(f"/accounts/{account_id}/setup", json=body, headers=self.auth())
        assert done.status_code == 200, done.text
        return done.json()

    async def send(self, event: Event, tenant: uuid.UUID | None = None) -> None:
        envelope = new_envelope(event, producer="catalog-service", tenant_id=tenant or self.tenant)
        connection = await aio_pika.connect(self.runtime.settings.amqp_url.get_secret_value())
        async with connection:
            channel = await connection.channel()
            exchange = await channel.get_exchange(self.runtime.broker.exchange_name)
            await exchange.publish(aio_pika.Message(envelope.model_dump_json().encode()), event.routing_key())

    async def events(self, event_type: str, **payload: str) -> list[dict[str, Any]]:
        async with self.runtime.db.session() as session:
            stmt = sa.select(OutboxMessage.body).where(OutboxMessage.routing_key == event_type)
            for key, value in payload.items():
                stmt = stmt.where(OutboxMessage.body["payload"][key].astext == value)
            return [
                row["payload"] for row in (await session.execute(stmt.order_by(OutboxMessage.seq))).scalars()
            ]

    async def wait_event(self, event_type: str, timeout: float = 20, **payload: str) -> dict[str, Any]:
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            found = await self.events(event_type, **payload)
            if found:
                return found[0]
            await asyncio.sleep(0.1)
        raise AssertionError(f"no {event_type} {payload} in time")


@asynccontextmanager
async def started(
    settings: Settings, sandbox: httpx.AsyncClient, keys: Any, **kwargs: Any
) -> AsyncIterator[Ebay]:
    app = create_app(settings, verifier=keys.verifier(), poll_orders=kwargs.pop("poll_orders", False))
    async with running_app(app) as (client, runtime):
        yield Ebay(client, runtime, sandbox, keys)


@pytest_asyncio.fixture
async def ebay(
    make_settings: Callable[..., Settings], sandbox: httpx.AsyncClient, test_keys: Any
) -> AsyncIterator[Ebay]:
    async with started(make_settings(), sandbox, test_keys) as e:
        yield e


def publication_request(
    account: str | None, *, title: str = "Veste en jean Levi's", price: str = "42.50"
) -> PublicationRequested:
    product = uuid.uuid4()
    return PublicationRequested(
        publication_id=uuid.uuid4(),
        product_id=product,
        marketplace=Marketplace.EBAY,
        account_id=uuid.UUID(account) if account else None,
        snapshot=ProductSnapshot(
            product_id=product,
            sku="P-1",
            title=title,
            description="Très bon état, taille M.",
            price=Money(amount=Decimal(price), currency="EUR"),
            quantity=1,
            images=[
                ImageRef(media_id=uuid.uuid4(), url="https://media.example/1.jpg"),
                ImageRef(media_id=uuid.uuid4(), url="https://media.example/2.jpg"),
            ],
            mapping=MarketplaceMapping(
                category_id="57988",
                condition_id="USED_EXCELLENT",
                aspects={"Marque": ["Levi's"], "Taille": ["M"]},  # EBAY_FR's names, as catalog sends them
            ),
        ),
    )


async def ready_account(ebay) -> str:
    account = await ebay.connect("EBAY_FR")
    await ebay.setup(account)
    return account


class Helpers:
    """Steps shared by the test modules (``--import-mode=importlib`` forbids importing siblings)."""

    request = staticmethod(publication_request)
    ready_account = staticmethod(ready_account)
    started = staticmethod(started)


@pytest.fixture
def h() -> type[Helpers]:
    return Helpers
