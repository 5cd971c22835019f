from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
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
from fastapi import FastAPI, Request
from marketplace_etsy.config import Settings
from marketplace_etsy.context import EtsyContext
from marketplace_etsy.main import SERVICE_DIR, create_app
from marketplace_etsy.models import EtsyAccount
from sandbox_etsy.app import create_app as create_sandbox
from sandbox_etsy.config import Settings as SandboxSettings
from starlette.responses import JSONResponse, Response
from vitrine_contracts import Event, new_envelope
from vitrine_contracts.catalog import (
    ImageRef,
    MarketplaceMapping,
    MaterialShare,
    ProductSnapshot,
    PublicationRequested,
)
from vitrine_contracts.common import Marketplace, Money
from vitrine_kit.app import ServiceRuntime
from vitrine_kit.db.models import OutboxMessage
from vitrine_kit.testing.app import running_app
from vitrine_kit.testing.helpers import free_port, settings_for_test

# The seller taxonomy id catalog maps jeans to (a leaf of the stand-in's tree): "Bottoms > Trousers & Jeans".
JEANS = "439"


def serve(app_on: Callable[[int], FastAPI]) -> Iterator[int]:
    """``app_on(port)`` on a free port, in a thread of its own (its own event loop)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app_on(port), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield port
    server.should_exit = True
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def sandbox_port() -> Iterator[int]:
    """The Etsy stand-in on a free port."""
    yield from serve(
        lambda port: create_sandbox(
            SandboxSettings(public_url=f"http://127.0.0.1:{port}", rate_limit_per_second=100_000)
        )
    )


class FakeMedia:
    """media-service's internal API as marketplace-etsy uses it (bytes of a rendition, service tokens);
    a photo's bytes carry its id so a test can tell which photo went where."""

    def __init__(self) -> None:
        self.missing: set[str] = set()
        self.authorizations: list[str] = []

    @staticmethod
    def photo(media_id: str) -> bytes:
        return b"\xff\xd8\xff\xe0JFIF" + media_id.encode() + b"\xff\xd9"

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/oauth/token")
        async def token() -> dict[str, Any]:
            return {"access_token": "service-token", "token_type": "Bearer", "expires_in": 300}

        @app.get("/internal/images/{image_id}/{rendition}")
        async def image(image_id: str, rendition: str, request: Request) -> Response:
            self.authorizations.append(request.headers.get("authorization", ""))
            if image_id in self.missing:
                return JSONResponse({"detail": "gone"}, status_code=404)
            return Response(self.photo(image_id), media_type="image/jpeg")

        return app


@pytest.fixture(scope="session")
def media() -> FakeMedia:
    return FakeMedia()


@pytest.fixture(scope="session")
def media_port(media: FakeMedia) -> Iterator[int]:
    yield from serve(lambda _: media.app())


@pytest_asyncio.fixture
async def sandbox(sandbox_port: int) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the stand-in (its control API too); faults and latency are cleared after each test."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{sandbox_port}", timeout=10) as client:
        yield client
        await client.delete("/sandbox/faults")
        await client.post("/sandbox/latency", json={"ms": 0})


@pytest_asyncio.fixture(scope="session")
async def etsy_db(service_database: Any) -> str:
    return await service_database("etsy", SERVICE_DIR)


@pytest.fixture
def make_settings(
    etsy_db: str, amqp_url: str, broker_namespace: str, sandbox_port: int, media_port: int
) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        base = f"http://127.0.0.1:{sandbox_port}"
        values: dict[str, Any] = {
            "api_base_url": base,
            "connect_url": f"{base}/oauth/connect",
            "media_url": f"http://127.0.0.1:{media_port}",
            "billing_url": None,  # the plan's limit: tests/test_plan_limit.py plays billing-service
            "auth_token_url": f"http://127.0.0.1:{media_port}/oauth/token",
            "connect_cookie_path": "/",
            "command_max_attempts": 3,
            "retry_attempts": 2,
            "retry_base_delay_s": 0.05,
            "breaker_reset_s": 0.3,
            # Tests share one budget row per database: wide enough never to slow them down.
            "app_rate_per_s": 1000.0,
            "app_burst": 1000.0,
            "receipt_poll_interval_s": 1.0,
            "receipt_poll_tick_s": 0.2,
        }
        values.update(overrides)
        return settings_for_test(
            Settings, database_url=etsy_db, amqp_url=amqp_url, broker_namespace=broker_namespace, **values
        )

    return make


class Etsy:
    """Steps of the tests on one running marketplace-etsy, as one seller (tenant + user) in one browser."""

    def __init__(
        self, client: httpx.AsyncClient, runtime: ServiceRuntime, sandbox: httpx.AsyncClient, keys: Any
    ) -> None:
        self.client, self.runtime, self.sandbox, self.keys = client, runtime, sandbox, keys
        self.tenant = uuid.uuid4()
        self.user = uuid.uuid4()
        self.shop_id: int | None = None
        self.etsy_user: int | None = None

    @property
    def ctx(self) -> EtsyContext:
        context: EtsyContext = self.runtime.context  # type: ignore[assignment]
        return context

    def auth(self, tenant: uuid.UUID | None = None) -> dict[str, str]:
        token = self.keys.issue(sub=str(self.user), tenant_id=tenant or self.tenant)
        return {"Authorization": f"Bearer {token}"}

    async def start(self, tenant: uuid.UUID | None = None) -> str:
        """POST /oauth/authorize (the browser cookie lands in this client's jar); the consent URL."""
        start = await self.client.post("/oauth/authorize", headers=self.auth(tenant))
        assert start.status_code == 200, start.text
        return str(start.json()["authorize_url"])

    async def consent(self, url: str, **extra: str) -> dict[str, str]:
        """Etsy's consent page, approved; the query Etsy sends the browser back with."""
        if extra:
            url += "&" + "&".join(f"{k}={v}" for k, v in extra.items())
        consent = await self.sandbox.get(url)
        assert consent.status_code == 302, consent.text
        return {k: v[0] for k, v in parse_qs(urlparse(consent.headers["location"]).query).items()}

    async def callback(
        self, query: dict[str, str], client: httpx.AsyncClient | None = None
    ) -> dict[str, str]:
        back = await (client or self.client).get("/oauth/callback", params=query)
        assert back.status_code == 303, back.text
        return {k: v[0] for k, v in parse_qs(urlparse(back.headers["location"]).query).items()}

    async def connect(self, **extra: str) -> str:
        """The whole connection; returns the account id."""
        landed = await self.callback(await self.consent(await self.start(), **extra))
        assert landed.get("etsy") == "connected", landed
        account = await self.account()
        self.shop_id, self.etsy_user = account.shop_id, account.etsy_user_id
        return landed["account_id"]

    async def account(self) -> EtsyAccount:
        async with self.runtime.db.tenant_session(self.tenant) as session:
            return (await session.execute(sa.select(EtsyAccount))).scalar_one()

    async def set_account(self, **values: Any) -> None:
        async with self.runtime.db.tenant_session(self.tenant) as session:
            await session.execute(sa.update(EtsyAccount).values(**values))
            await session.commit()

    async def send(self, event: Event, tenant: uuid.UUID | None = None) -> None:
        envelope = new_envelope(event, producer="catalog-service", tenant_id=tenant or self.tenant)
        await self.publish_raw(envelope.model_dump_json().encode(), event.routing_key())

    async def publish_raw(self, body: bytes, routing_key: str) -> None:
        connection = await aio_pika.connect(self.runtime.settings.amqp_url.get_secret_value())
        async with connection:
            channel = await connection.channel()
            exchange = await channel.get_exchange(self.runtime.broker.exchange_name)
            await exchange.publish(aio_pika.Message(body), routing_key)

    async def events(self, event_type: str, **payload: str) -> list[dict[str, Any]]:
        async with self.runtime.db.session() as session:
            stmt = sa.select(OutboxMessage.body).where(
                OutboxMessage.routing_key == event_type,
                OutboxMessage.body["tenant_id"].astext == str(self.tenant),
            )
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

    async def wait_events(
        self, event_type: str, count: int, timeout: float = 20, **payload: str
    ) -> list[dict[str, Any]]:
        """The first ``count`` events of a kind, once there are that many."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            found = await self.events(event_type, **payload)
            if len(found) >= count or asyncio.get_running_loop().time() > deadline:
                assert len(found) == count, found
                return found
            await asyncio.sleep(0.1)

    async def listings(self, state: str | None = None) -> list[dict[str, Any]]:
        """This seller's listings in the stand-in (deleted ones too)."""
        params: dict[str, Any] = {"user": str(self.etsy_user)}
        if state:
            params["state"] = state
        return list((await self.sandbox.get("/sandbox/listings", params=params)).json())

    async def requests(self, path_part: str, method: str | None = None) -> list[dict[str, Any]]:
        """Calls the stand-in received whose path contains ``path_part``."""
        found = (await self.sandbox.get("/sandbox/requests")).json()
        return [r for r in found if path_part in r["path"] and (method is None or r["method"] == method)]

    async def fault(self, status: int, path: str, **extra: Any) -> None:
        response = await self.sandbox.post(
            "/sandbox/faults", json={"status": status, "path_prefix": path, **extra}
        )
        assert response.status_code == 201, response.text


@asynccontextmanager
async def started(
    settings: Settings, sandbox: httpx.AsyncClient, keys: Any, **kwargs: Any
) -> AsyncIterator[Etsy]:
    app = create_app(settings, verifier=keys.verifier(), poll_receipts=kwargs.pop("poll_receipts", False))
    async with running_app(app) as (client, runtime):
        yield Etsy(client, runtime, sandbox, keys)


@pytest_asyncio.fixture
async def etsy(
    make_settings: Callable[..., Settings], sandbox: httpx.AsyncClient, test_keys: Any
) -> AsyncIterator[Etsy]:
    async with started(make_settings(), sandbox, test_keys) as e:
        yield e


def publication_request(
    account: str | None,
    *,
    title: str = "Jean Levi's 501 & veste en jean & ceinture",
    price: str = "42.50",
    currency: str = "EUR",
    photos: int = 3,
    taxonomy: str | None = JEANS,
    when_made: str | None = "1990s",
    action: str = "publish",
    publication_id: uuid.UUID | None = None,
) -> PublicationRequested:
    product = uuid.uuid4()
    extra: dict[str, Any] = {"who_made": "someone_else"}
    if when_made:
        extra["when_made"] = when_made
    return PublicationRequested(
        publication_id=publication_id or uuid.uuid4(),
        product_id=product,
        marketplace=Marketplace.ETSY,
        account_id=uuid.UUID(account) if account else None,
        action=action,  # type: ignore[arg-type]
        snapshot=ProductSnapshot(
            product_id=product,
            sku="P-1",
            title=title,
            description="Très bon état, taille W32.",
            price=Money(amount=Decimal(price), currency=currency),
            quantity=1,
            brand="Levi's",
            category_path=["Men", "Jeans"],
            colours=["blue"],
            materials=[
                MaterialShare(material="cotton", percent=99),
                MaterialShare(material="elastane", percent=1),
            ],
            attributes={"decade": "1990s", "fit": "straight"},
            flaws=["small mark on the back pocket"],
            images=[
                ImageRef(media_id=uuid.uuid4(), url=f"https://media.example/{i}.jpg") for i in range(photos)
            ],
            mapping=MarketplaceMapping(category_id=taxonomy, extra=extra),
        ),
    )


class Helpers:
    """Steps shared by the test modules (``--import-mode=importlib`` forbids importing siblings)."""

    request = staticmethod(publication_request)
    started = staticmethod(started)
    jeans = JEANS

    @staticmethod
    async def published(
        etsy: Etsy, account: str, **kwargs: Any
    ) -> tuple[PublicationRequested, dict[str, Any]]:
        event = publication_request(account, **kwargs)
        await etsy.send(event)
        done = await etsy.wait_event("publication.succeeded", publication_id=str(event.publication_id))
        return event, done


@pytest.fixture
def h() -> type[Helpers]:
    return Helpers
