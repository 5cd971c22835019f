from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import pytest_asyncio
import sqlalchemy as sa
from catalog_service.config import Settings
from catalog_service.main import SERVICE_DIR, create_app
from vitrine_contracts import Event
from vitrine_contracts.catalog import PublicationSucceeded
from vitrine_contracts.common import Marketplace
from vitrine_kit.app import ServiceRuntime
from vitrine_kit.db.models import OutboxMessage
from vitrine_kit.testing.app import running_app
from vitrine_kit.testing.helpers import eventually


def complete_product(**overrides: Any) -> dict[str, Any]:
    """A product every marketplace accepts once it is ready."""
    body: dict[str, Any] = {
        "title": "Levi's 501 straight jeans",
        "description": "Classic 501, straight leg, barely worn.",
        "price": "35.00",
        "stock_quantity": 1,
        "brand": "levi-s",
        "category": "jeans",
        "size_system": "waist",
        "size": "W32",
        "colours": ["blue"],
        "materials": [{"material": "cotton", "percent": 99}, {"material": "elastane", "percent": 1}],
        "condition": "very_good",
        "gender": "men",
        "measurements_cm": {"waist": "41", "inseam": "81"},
        "attributes": {"fit": "straight", "rise": "mid", "decade": "1990s"},
        "flaws": ["small mark on the back pocket"],
        "images": [{"media_id": str(uuid.uuid4())}, {"media_id": str(uuid.uuid4()), "is_label": True}],
    }
    body.update(overrides)
    return body


class Seller:
    """One tenant using the API."""

    sample = staticmethod(complete_product)
    eventually = staticmethod(eventually)

    def __init__(self, app: App, tenant_id: uuid.UUID) -> None:
        self.app = app
        self.tenant_id = tenant_id
        self.headers = {"Authorization": f"Bearer {app.keys.issue(tenant_id=tenant_id)}"}

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return await self.app.client.request(method, url, headers=headers, **kwargs)

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", url, **kwargs)

    async def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PATCH", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", url, **kwargs)

    async def create(self, **fields: Any) -> dict[str, Any]:
        response = await self.post("/products", json=fields)
        assert response.status_code == 201, response.text
        return response.json()

    async def ready(self, **overrides: Any) -> dict[str, Any]:
        """A complete product moved to ``ready``."""
        product = await self.create(**complete_product(**overrides))
        response = await self.post(f"/products/{product['id']}/status", json={"status": "ready"})
        assert response.status_code == 200, response.text
        return response.json()

    async def publish(self, product_id: str, *marketplaces: str) -> list[dict[str, Any]]:
        response = await self.post(
            f"/products/{product_id}/publications", json={"marketplaces": list(marketplaces)}
        )
        assert response.status_code == 202, response.text
        return response.json()

    async def product(self, product_id: str) -> dict[str, Any]:
        response = await self.get(f"/products/{product_id}")
        assert response.status_code == 200, response.text
        return response.json()

    async def listed(self, *marketplaces: str, stock: int = 1, **overrides: Any) -> dict[str, Any]:
        """A product live on ``marketplaces`` (external ids '<marketplace>-<sku>')."""
        product = await self.ready(stock_quantity=stock, **overrides)
        for pub in await self.publish(product["id"], *marketplaces):
            await self.play(
                PublicationSucceeded(
                    publication_id=pub["id"],
                    product_id=product["id"],
                    marketplace=Marketplace(pub["marketplace"]),
                    external_id=f"{pub['marketplace']}-{product['sku']}",
                    attempt=1,
                )
            )

        async def all_listed() -> bool:
            fresh = await self.product(product["id"])
            return [p["status"] for p in fresh["publications"]] == ["listed"] * len(marketplaces)

        await eventually(all_listed)
        return await self.product(product["id"])

    async def succeed(self, pub: dict[str, Any], external_id: str, *, attempt: int = 1) -> None:
        """The marketplace lists ``pub`` (a publication as the API shows it): its adapter's success is played,
        then awaited until the publication shows ``listed``."""
        await self.play(
            PublicationSucceeded(
                publication_id=pub["id"],
                product_id=pub["product_id"],
                marketplace=Marketplace(pub["marketplace"]),
                external_id=external_id,
                attempt=attempt,
            )
        )

        async def listed() -> bool:
            shown = (await self.get(f"/products/{pub['product_id']}/publications")).json()
            return any(p["id"] == pub["id"] and p["status"] == "listed" for p in shown)

        await eventually(listed)

    async def alerts(self, kind: str | None = None) -> list[dict[str, Any]]:
        response = await self.get("/alerts", params={"kind": kind} if kind else {})
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    async def play(self, event: Event) -> None:
        """Send an event as an adapter (or billing) would: through the outbox, the relay and the broker."""
        async with self.app.runtime.db.session() as session:
            self.app.runtime.outbox.add(session, event, tenant_id=self.tenant_id)
            await session.commit()

    async def emitted(self, routing_key_prefix: str) -> list[dict[str, Any]]:
        """Payloads of the events catalog-service wrote for this tenant."""
        async with self.app.runtime.db.session() as session:
            rows = await session.scalars(
                sa.select(OutboxMessage)
                .where(OutboxMessage.routing_key.startswith(routing_key_prefix))
                .order_by(OutboxMessage.seq)
            )
            return [
                r.body["payload"]
                for r in rows
                if r.body.get("tenant_id") == str(self.tenant_id)
                and r.body.get("producer") == "catalog-service"
            ]


class App:
    def __init__(self, client: httpx.AsyncClient, runtime: ServiceRuntime, keys: Any) -> None:
        self.client = client
        self.runtime = runtime
        self.keys = keys

    def seller(self) -> Seller:
        return Seller(self, uuid.uuid4())


@pytest_asyncio.fixture(scope="session")
async def catalog_db(service_database: Any) -> str:
    return await service_database("catalog", SERVICE_DIR)


@pytest.fixture(scope="session")
def start_app(
    amqp_url: str, broker_namespace: str, test_keys: Any
) -> Callable[..., contextlib.AbstractAsyncContextManager[App]]:
    """``async with start_app(database_url, **settings) as app``: the service on that database, these settings
    overridden, its queues declared (for a module that needs other settings than ``app``'s)."""

    @contextlib.asynccontextmanager
    async def start(database_url: str, **overrides: Any) -> AsyncIterator[App]:
        defaults: dict[str, Any] = {
            "log_json": False,
            "outbox_poll_interval_s": 0.1,
            "consumer_retry_delays_ms": [200, 500],
            "media_url": None,  # photos checked at media-service are covered by tests-e2e/test_sell_once.py
            # Long enough that three PATCHes in a row fall in one window on a loaded machine.
            "revision_window_s": 1.0,
            "revision_tick_s": 0.1,
            "ecb_refresh_s": 0,  # no ECB fetch from tests; rates are stored by the tests that need them
        }
        settings = Settings(
            database_url=database_url,
            amqp_url=amqp_url,
            broker_namespace=f"{broker_namespace}{uuid.uuid4().hex[:6]}.",
            **{**defaults, **overrides},
        )
        async with running_app(create_app(settings, verifier=test_keys.verifier())) as (client, runtime):
            queues = {runner.queue_name for runner in runtime.runners}

            async def declared() -> bool:
                return queues <= runtime.broker.declared_queues

            await eventually(declared)
            yield App(client, runtime, test_keys)

    return start


@pytest_asyncio.fixture(scope="module")
async def app(
    catalog_db: str, start_app: Callable[..., contextlib.AbstractAsyncContextManager[App]]
) -> AsyncIterator[App]:
    async with start_app(catalog_db) as app:
        yield app


@pytest_asyncio.fixture
async def seller(app: App) -> Seller:
    return app.seller()
