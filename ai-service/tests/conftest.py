"""Fixtures of ai-service's tests, and the edge of the service: the AI stand-in in-process, and small fakes
of what it calls besides the providers, built from the contract models — auth-service's token endpoint,
media-service's internal image API and billing-service's credit API — served over HTTP on a free port."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
import sqlalchemy as sa
import uvicorn
from ai_service.config import Settings
from ai_service.main import SERVICE_DIR, create_app
from ai_service.models import CacheEntry
from fastapi import FastAPI, Header, Request
from PIL import Image
from sandbox_ai.app import create_app as create_sandbox
from starlette.responses import JSONResponse, Response
from vitrine_contracts import Event
from vitrine_contracts.billing import PlanQuotas, SubscriptionChanged
from vitrine_contracts.billing_api import (
    CREDITS_SCOPE,
    RESERVATIONS_PATH,
    Reservation,
    ReservationRequest,
    ReservationStatus,
)
from vitrine_contracts.media_api import (
    RESOLVE_PATH,
    ImageOut,
    RenditionOut,
    ResolvedImage,
    ResolveRequest,
    ResolveResponse,
)
from vitrine_kit.app import ServiceRuntime
from vitrine_kit.db import held
from vitrine_kit.db.models import OutboxMessage
from vitrine_kit.testing.app import running_app
from vitrine_kit.testing.helpers import eventually, free_port, settings_for_test

SIZES = {"large": 1600, "medium": 1024, "thumb": 320}


def photo(colour: tuple[int, int, int], size: tuple[int, int] = (1800, 1350), mark: int = 0) -> bytes:
    """A JPEG of a garment-like shape of ``colour`` on white; ``mark`` makes otherwise equal photos differ."""
    image = Image.new("RGB", size, (250, 250, 250))
    w, h = size
    inner = Image.new("RGB", (w // 2, h * 2 // 3), colour)
    image.paste(inner, (w // 4, h // 6))
    if mark:
        image.paste(Image.new("RGB", (20 + mark, 20), (mark % 255, 0, 0)), (5, 5))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


@dataclass
class StoredImage:
    id: uuid.UUID
    content_hash: str
    width: int
    height: int
    files: dict[str, bytes]


@dataclass
class Account:
    monthly: int = 10
    purchased: int = 0


@dataclass
class Edge:
    """State of the fakes, inspected by the tests."""

    keys: Any
    images: dict[uuid.UUID, dict[uuid.UUID, StoredImage]] = field(default_factory=dict)
    accounts: dict[uuid.UUID, Account] = field(default_factory=dict)
    reservations: dict[str, Reservation] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    media_down: bool = False
    bytes_down: bool = False  # image bytes refused while resolving still works
    billing_down: bool = False
    delay_s: float = 0.0  # how long media-service's resolve and billing's reservation take to answer
    url: str = ""

    # -- media ----------------------------------------------------------------------------------------
    def upload(self, tenant_id: uuid.UUID, data: bytes) -> uuid.UUID:
        """Store a photo for the tenant with its derivatives, as media-service does."""
        image = Image.open(io.BytesIO(data))
        files = {"original.jpg": data}
        for name, side in SIZES.items():
            copy = image.convert("RGB")
            copy.thumbnail((side, side))
            out = io.BytesIO()
            copy.save(out, "JPEG", quality=85)
            files[f"{name}.jpg"] = out.getvalue()
        stored = StoredImage(uuid.uuid4(), hashlib.sha256(data).hexdigest(), image.width, image.height, files)
        self.images.setdefault(tenant_id, {})[stored.id] = stored
        return stored.id

    def account(self, tenant_id: uuid.UUID) -> Account:
        return self.accounts.setdefault(tenant_id, Account())

    def reservations_of(self, tenant_id: uuid.UUID) -> list[Reservation]:
        return [r for r in self.reservations.values() if r.tenant_id == tenant_id]


def _rendition(name: str, data: bytes, url: str) -> RenditionOut:
    image = Image.open(io.BytesIO(data))
    return RenditionOut(
        name=name, format="jpeg", width=image.width, height=image.height, bytes=len(data), url=url
    )


def build_app(edge: Edge) -> FastAPI:
    app = FastAPI()
    verifier = edge.keys.verifier()

    async def service_scopes(authorization: str | None) -> set[str]:
        if not authorization or not authorization.startswith("Bearer "):
            return set()
        principal = await verifier.verify(authorization.removeprefix("Bearer "))
        return set(principal.scopes)

    @app.post("/oauth/token")
    async def token(request: Request) -> dict[str, Any]:
        edge.calls.append(("auth", "token"))
        return {
            "access_token": edge.keys.issue(sub="ai-service", scope=f"service {CREDITS_SCOPE}", ttl_s=300),
            "token_type": "Bearer",
            "expires_in": 300,
        }

    @app.post(RESOLVE_PATH)
    async def resolve(body: ResolveRequest, authorization: str | None = Header(default=None)) -> Response:
        if "service" not in await service_scopes(authorization):
            return JSONResponse({"title": "Forbidden"}, status_code=403)
        if edge.media_down:
            return JSONResponse({"title": "down"}, status_code=503)
        edge.calls.append(("media", "resolve"))
        await asyncio.sleep(edge.delay_s)
        owned = edge.images.get(body.tenant_id, {})
        now = datetime.now(UTC)
        out = []
        for image_id in body.image_ids:
            stored = owned.get(image_id)
            if stored is None:
                out.append(ResolvedImage(id=image_id, found=False))
                continue
            base = f"{edge.url}/files/{image_id}"
            out.append(
                ResolvedImage(
                    id=image_id,
                    found=True,
                    image=ImageOut(
                        id=image_id,
                        filename="photo.jpg",
                        content_hash=stored.content_hash,
                        source_format="jpeg",
                        width=stored.width,
                        height=stored.height,
                        created_at=now,
                        original=_rendition("original", stored.files["original.jpg"], f"{base}/original.jpg"),
                        derivatives=[
                            _rendition(n, stored.files[f"{n}.jpg"], f"{base}/{n}.jpg") for n in SIZES
                        ],
                        urls_expire_at=now + timedelta(hours=1),
                    ),
                )
            )
        return JSONResponse(ResolveResponse(images=out).model_dump(mode="json"))

    @app.get("/internal/images/{image_id}/{rendition}")
    async def image_bytes(
        image_id: uuid.UUID,
        rendition: str,
        tenant_id: uuid.UUID,
        authorization: str | None = Header(default=None),
    ) -> Response:
        if "service" not in await service_scopes(authorization):
            return JSONResponse({"title": "Forbidden"}, status_code=403)
        if edge.media_down or edge.bytes_down:
            return JSONResponse({"title": "down"}, status_code=503)
        edge.calls.append(("media", rendition))
        stored = edge.images.get(tenant_id, {}).get(image_id)
        if stored is None or rendition not in stored.files:
            return JSONResponse({"title": "Not found"}, status_code=404)
        return Response(stored.files[rendition], media_type="image/jpeg")

    def problem(status: int, code: str, **extra: Any) -> JSONResponse:
        return JSONResponse(
            {"type": f"https://errors.vitrine.app/{code}", "title": code, "status": status, **extra},
            status_code=status,
            media_type="application/problem+json",
        )

    @app.post(RESERVATIONS_PATH)
    async def reserve(body: ReservationRequest, authorization: str | None = Header(default=None)) -> Response:
        if CREDITS_SCOPE not in await service_scopes(authorization):
            return problem(403, "forbidden")
        if edge.billing_down:
            return problem(503, "unavailable")
        edge.calls.append(("billing", f"reserve {body.key}"))
        await asyncio.sleep(edge.delay_s)
        seen = edge.reservations.get(body.key)
        if seen is not None:
            return JSONResponse(seen.model_dump(mode="json"), status_code=200)
        account = edge.account(body.tenant_id)
        if account.monthly + account.purchased < body.amount:
            return problem(
                402,
                "credits-exhausted",
                detail="Not enough credits.",
                monthly_left=account.monthly,
                purchased_left=account.purchased,
            )
        from_monthly = min(account.monthly, body.amount)
        account.monthly -= from_monthly
        account.purchased -= body.amount - from_monthly
        reservation = Reservation(
            key=body.key,
            tenant_id=body.tenant_id,
            amount=body.amount,
            status=ReservationStatus.HELD,
            expires_at=datetime.now(UTC) + timedelta(minutes=15),
            monthly_left=account.monthly,
            purchased_left=account.purchased,
        )
        edge.reservations[body.key] = reservation
        return JSONResponse(reservation.model_dump(mode="json"), status_code=201)

    async def settle(key: str, target: ReservationStatus, authorization: str | None) -> Response:
        if CREDITS_SCOPE not in await service_scopes(authorization):
            return problem(403, "forbidden")
        if edge.billing_down:
            return problem(503, "unavailable")
        edge.calls.append(("billing", f"{target.value} {key}"))
        seen = edge.reservations.get(key)
        if seen is None:
            return problem(404, "reservation-not-found")
        if seen.status not in (ReservationStatus.HELD, target):
            return problem(409, "reservation-closed")
        if seen.status is ReservationStatus.HELD and target is ReservationStatus.RELEASED:
            edge.account(seen.tenant_id).monthly += seen.amount
        updated = seen.model_copy(update={"status": target})
        edge.reservations[key] = updated
        return JSONResponse(updated.model_dump(mode="json"))

    @app.post(RESERVATIONS_PATH + "/{key}/commit")
    async def commit(key: str, authorization: str | None = Header(default=None)) -> Response:
        return await settle(key, ReservationStatus.COMMITTED, authorization)

    @app.post(RESERVATIONS_PATH + "/{key}/release")
    async def release(key: str, authorization: str | None = Header(default=None)) -> Response:
        return await settle(key, ReservationStatus.RELEASED, authorization)

    return app


@contextlib.asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on a free port of 127.0.0.1 for the block; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


COLOURS = [(30, 60, 160), (20, 20, 20), (200, 30, 40), (40, 140, 60), (230, 200, 60), (120, 70, 40)]


def hints(**values: Any) -> str:
    """Seller's notes that make the AI stand-in answer ``values`` for the properties of those names."""
    return "SANDBOX_HINTS: " + json.dumps(values)


class Sandbox:
    """The AI stand-in, in-process, and its control API."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.AsyncClient(base_url=url, timeout=10)

    async def reset(self) -> None:
        (await self.http.post("/sandbox/reset")).raise_for_status()

    async def fault(self, status: int, count: int = 1, provider: str = "gemini", **extra: Any) -> None:
        body = {"status": status, "count": count, "provider": provider, **extra}
        (await self.http.post("/sandbox/faults", json=body)).raise_for_status()

    async def latency(self, ms: int) -> None:
        (await self.http.post("/sandbox/latency", json={"ms": ms})).raise_for_status()

    async def next_answer(self, answer: Any, provider: str = "gemini") -> None:
        (
            await self.http.post("/sandbox/next", json={"provider": provider, "json": answer})
        ).raise_for_status()

    async def requests(self, provider: str | None = None) -> list[dict[str, Any]]:
        params = {"provider": provider} if provider else {}
        response = await self.http.get("/sandbox/requests", params=params)
        response.raise_for_status()
        calls: list[dict[str, Any]] = response.json()
        return calls


class Seller:
    """One tenant using the API, with photos at the (fake) media-service."""

    hints = staticmethod(hints)
    eventually = staticmethod(eventually)

    def __init__(self, app: App, tenant_id: uuid.UUID) -> None:
        self.app = app
        self.tenant_id = tenant_id
        self.headers = {"Authorization": f"Bearer {app.keys.issue(tenant_id=tenant_id)}"}

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.app.client.get(url, headers=self.headers, **kwargs)

    async def post(self, url: str, headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        return await self.app.client.post(url, headers={**self.headers, **(headers or {})}, **kwargs)

    def photos(self, count: int, start: int = 0) -> list[str]:
        return [
            str(
                self.app.edge.upload(
                    self.tenant_id, photo(COLOURS[(start + i) % len(COLOURS)], mark=start + i)
                )
            )
            for i in range(count)
        ]

    async def ask(self, expect: int = 202, idempotency_key: str | None = None, **body: Any) -> dict[str, Any]:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        response = await self.post("/analyses", json=body, headers=headers)
        assert response.status_code == expect, response.text
        result: dict[str, Any] = response.json()
        return result

    async def finished(self, analysis_id: str, timeout: float = 30) -> dict[str, Any]:
        async def done() -> dict[str, Any] | None:
            body: dict[str, Any] = (await self.get(f"/analyses/{analysis_id}")).json()
            return (
                body
                if body["status"] in ("completed", "failed") and body["credits_state"] != "held"
                else None
            )

        result: dict[str, Any] = await eventually(done, timeout=timeout)
        return result

    async def analyse(self, **body: Any) -> dict[str, Any]:
        return await self.finished((await self.ask(**body))["id"])

    async def play(self, event: Event) -> None:
        """Send an event as billing-service would: through the outbox, the relay and the broker."""
        async with self.app.runtime.db.session() as session:
            self.app.runtime.outbox.add(session, event, tenant_id=self.tenant_id)
            await session.commit()

    async def plan(self, name: str, photos: int) -> None:
        await self.play(
            SubscriptionChanged(plan=name, status="active", quotas=PlanQuotas(photos_per_analysis=photos))
        )

        async def applied() -> bool:
            return bool((await self.get("/analyses/limits")).json()["photos_per_analysis"] == photos)

        await eventually(applied)

    async def emitted(self, event_type: str) -> list[dict[str, Any]]:
        """Payloads of the events ai-service wrote for this tenant."""
        async with self.app.runtime.db.session() as session:
            rows = await session.scalars(
                sa.select(OutboxMessage)
                .where(OutboxMessage.routing_key == event_type)
                .order_by(OutboxMessage.seq)
            )
            return [r.body["payload"] for r in rows if r.body.get("tenant_id") == str(self.tenant_id)]

    async def expire_lease(self, analysis_id: str) -> None:
        """Once a worker runs the analysis, end its lease (as if that worker had died)."""
        job = sa.table(
            "analysis_jobs",
            sa.column("analysis_id"),
            sa.column("state"),
            sa.column("lease_until"),
            schema="colocated",
        )

        async def running() -> bool:
            async with self.app.runtime.db.session() as session:
                state = await session.scalar(
                    sa.select(job.c.state).where(job.c.analysis_id == uuid.UUID(analysis_id))
                )
                return state == "running"

        await eventually(running)
        async with self.app.runtime.db.session() as session:
            await session.execute(
                sa.update(job)
                .where(job.c.analysis_id == uuid.UUID(analysis_id))
                .values(lease_until=datetime.now(UTC) - timedelta(seconds=1))
            )
            await session.commit()

    async def expire_cache(self) -> None:
        """Age every cached answer of the tenant past its 30 days."""
        async with self.app.runtime.db.tenant_session(self.tenant_id) as session:
            await session.execute(
                sa.update(CacheEntry).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )
            await session.commit()

    @property
    def credits_left(self) -> int:
        account = self.app.edge.account(self.tenant_id)
        return account.monthly + account.purchased

    def reservations(self) -> list[Any]:
        return self.app.edge.reservations_of(self.tenant_id)


class App:
    def __init__(
        self, client: httpx.AsyncClient, runtime: ServiceRuntime, keys: Any, edge: Edge, sandbox: Sandbox
    ) -> None:
        self.client = client
        self.runtime = runtime
        self.keys = keys
        self.edge = edge
        self.sandbox = sandbox

    def seller(self) -> Seller:
        return Seller(self, uuid.uuid4())


@pytest_asyncio.fixture(scope="session")
async def ai_db(service_database: Any) -> str:
    return await service_database("ai", SERVICE_DIR)


@pytest_asyncio.fixture(scope="session")
async def sandbox() -> AsyncIterator[Sandbox]:
    async with serve(create_sandbox()) as url:
        yield Sandbox(url)


@pytest_asyncio.fixture(scope="session")
async def edge(test_keys: Any) -> AsyncIterator[Edge]:
    state = Edge(keys=test_keys)
    async with serve(build_app(state)) as url:
        state.url = url
        yield state


def ai_settings(
    ai_db: str, amqp_url: str, broker_namespace: str, edge: Edge, sandbox: Sandbox, **overrides: Any
) -> Settings:
    values: dict[str, Any] = {
        "gemini_base_url": sandbox.url,
        "openai_base_url": f"{sandbox.url}/v1",
        "media_url": edge.url,
        "billing_url": edge.url,
        "auth_token_url": f"{edge.url}/oauth/token",
        "worker_poll_interval_s": 0.05,
        "provider_backoff_s": 0.05,
        "provider_max_retry_delay_s": 2.0,
        "job_retry_delay_s": 0.2,
        **overrides,
    }
    return settings_for_test(
        Settings, database_url=ai_db, amqp_url=amqp_url, broker_namespace=broker_namespace, **values
    )


@pytest.fixture(scope="session")
def start_app(
    ai_db: str, amqp_url: str, broker_namespace: str, test_keys: Any, edge: Edge, sandbox: Sandbox
) -> Callable[..., contextlib.AbstractAsyncContextManager[App]]:
    """``async with start_app(**settings) as app``: the service running with these settings overridden."""

    @contextlib.asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[App]:
        settings = ai_settings(ai_db, amqp_url, broker_namespace, edge, sandbox, **overrides)
        async with running_app(create_app(settings, verifier=test_keys.verifier())) as (client, runtime):
            yield App(client, runtime, test_keys, edge, sandbox)

    return start


@pytest_asyncio.fixture(scope="module")
async def app(start_app: Callable[..., contextlib.AbstractAsyncContextManager[App]]) -> AsyncIterator[App]:
    async with start_app() as app:
        queues = {runner.queue_name for runner in app.runtime.runners}

        async def declared() -> bool:
            return queues <= app.runtime.broker.declared_queues

        await eventually(declared)
        yield app


@pytest_asyncio.fixture
async def seller(app: App) -> Seller:
    await app.sandbox.reset()
    app.edge.media_down = app.edge.billing_down = app.edge.bytes_down = False
    app.edge.delay_s = 0.0
    return app.seller()


@pytest.fixture(autouse=True)
def strict_connections() -> Iterator[None]:
    """Any call to another service while a database connection is held fails the test that made it (per test:
    a worker process runs other services' tests after these, and they are not strict)."""
    held.set_strict(True)
    yield
    held.set_strict(False)
