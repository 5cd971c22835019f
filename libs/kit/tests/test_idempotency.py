from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

import pytest
import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Header, Request, Response
from fixture_service.app import SERVICE_DIR, Marker
from pydantic import BaseModel, Field
from vitrine_kit.app import create_service_app
from vitrine_kit.auth.deps import TenantPrincipal
from vitrine_kit.db.base import utcnow
from vitrine_kit.db.deps import SharedSession, TenantSession
from vitrine_kit.errors import Conflict
from vitrine_kit.idempotency import IdempotencyKey, creates_something, purge_expired, request_hash
from vitrine_kit.settings import BaseServiceSettings
from vitrine_kit.testing.app import running_app
from vitrine_kit.testing.tokens import TestKeys


class ThingIn(BaseModel):
    label: str = Field(min_length=1, max_length=100)
    fail: bool = False


class ThingOut(BaseModel):
    id: int
    label: str


# Handlers waiting on a gate let a test hold a request in flight.
gates: dict[str, asyncio.Event] = {}
entered: dict[str, asyncio.Event] = {}


def thing_router() -> APIRouter:
    router = APIRouter(prefix="/things", tags=["things"])

    @router.post("", status_code=201)
    async def create_thing(
        body: ThingIn, session: TenantSession, _: TenantPrincipal, response: Response
    ) -> ThingOut:
        marker = Marker(label=body.label)
        session.add(marker)
        await session.flush()
        if body.label in gates:
            entered[body.label].set()
            await gates[body.label].wait()
        if body.fail:
            raise Conflict("Refused on purpose.")
        response.headers["Location"] = f"/things/{marker.id}"
        return ThingOut(id=marker.id, label=marker.label)

    @router.post("/{thing_id}/touch")
    async def touch_thing(thing_id: int, _: TenantPrincipal, session: TenantSession) -> ThingOut:
        return ThingOut(id=thing_id, label="touched")

    return router


@pytest.fixture
def thing_app(make_settings: Callable[..., BaseServiceSettings], test_keys: TestKeys) -> FastAPI:
    return create_service_app(
        make_settings(),
        title="idempotency fixture",
        routers=[thing_router()],
        service_dir=SERVICE_DIR,
        verifier=test_keys.verifier(),
    )


def auth(test_keys: TestKeys, tenant_id: uuid.UUID, key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {test_keys.issue(tenant_id=tenant_id)}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return headers


async def labels(app: FastAPI, tenant_id: uuid.UUID) -> list[str]:
    async with app.state.runtime.db.tenant_session(tenant_id) as session:
        return list((await session.scalars(sa.select(Marker.label).order_by(Marker.id))).all())


class TestReplay:
    async def test_same_key_and_body_replays_the_first_answer(self, thing_app, test_keys) -> None:
        tenant = uuid.uuid4()
        headers = auth(test_keys, tenant, "create-1")
        async with running_app(thing_app) as (client, _):
            first = await client.post("/things", json={"label": "a"}, headers=headers)
            again = await client.post("/things", json={"label": "a"}, headers=headers)
            assert first.status_code == again.status_code == 201, first.text
            assert again.json() == first.json()
            assert again.headers["location"] == first.headers["location"]
            assert again.headers["content-type"] == "application/json"
            assert again.headers["idempotency-replayed"] == "true"
            assert "idempotency-replayed" not in first.headers
            assert await labels(thing_app, tenant) == ["a"]

    async def test_without_a_key_each_post_acts(self, thing_app, test_keys) -> None:
        tenant = uuid.uuid4()
        async with running_app(thing_app) as (client, _):
            for _ in range(2):
                response = await client.post("/things", json={"label": "b"}, headers=auth(test_keys, tenant))
                assert response.status_code == 201
            assert await labels(thing_app, tenant) == ["b", "b"]

    async def test_keys_belong_to_one_tenant(self, thing_app, test_keys) -> None:
        one, other = uuid.uuid4(), uuid.uuid4()
        async with running_app(thing_app) as (client, _):
            a = await client.post("/things", json={"label": "c"}, headers=auth(test_keys, one, "k"))
            b = await client.post("/things", json={"label": "c"}, headers=auth(test_keys, other, "k"))
            assert a.status_code == b.status_code == 201
            assert "idempotency-replayed" not in b.headers
            assert await labels(thing_app, other) == ["c"]


class TestKeyReuse:
    async def test_another_body_with_the_same_key_is_refused(self, thing_app, test_keys) -> None:
        tenant = uuid.uuid4()
        async with running_app(thing_app) as (client, _):
            await client.post("/things", json={"label": "d"}, headers=auth(test_keys, tenant, "k-d"))
            other = await client.post("/things", json={"label": "e"}, headers=auth(test_keys, tenant, "k-d"))
            assert other.status_code == 422
            problem = other.json()
            assert problem["type"] == "https://errors.vitrine.app/idempotency-key-reused"
            assert "k-d" in problem["detail"]
            assert problem["key"] == "k-d"
            assert await labels(thing_app, tenant) == ["d"]

    async def test_a_malformed_key_is_a_validation_error(self, thing_app, test_keys) -> None:
        tenant = uuid.uuid4()
        async with running_app(thing_app) as (client, _):
            response = await client.post(
                "/things", json={"label": "f"}, headers=auth(test_keys, tenant, "x" * 256)
            )
            assert response.status_code == 422
            assert response.json()["errors"][0]["field"] == "header.Idempotency-Key"


class TestFailures:
    async def test_a_failed_request_stores_nothing_and_the_key_may_retry(self, thing_app, test_keys) -> None:
        tenant = uuid.uuid4()
        headers = auth(test_keys, tenant, "k-fail")
        async with running_app(thing_app) as (client, _):
            failed = await client.post("/things", json={"label": "g", "fail": True}, headers=headers)
            assert failed.status_code == 409
            assert await labels(thing_app, tenant) == []
            retried = await client.post("/things", json={"label": "g", "fail": True}, headers=headers)
            assert retried.status_code == 409
            assert "idempotency-replayed" not in retried.headers


class TestConcurrentDuplicate:
    async def test_a_duplicate_while_the_first_runs_is_409(self, thing_app, test_keys) -> None:
        tenant = uuid.uuid4()
        headers = auth(test_keys, tenant, "k-slow")
        gates["slow"], entered["slow"] = asyncio.Event(), asyncio.Event()
        try:
            async with running_app(thing_app) as (client, _):
                first = asyncio.create_task(client.post("/things", json={"label": "slow"}, headers=headers))
                await asyncio.wait_for(entered["slow"].wait(), 20)
                duplicate = await client.post("/things", json={"label": "slow"}, headers=headers)
                assert duplicate.status_code == 409
                assert duplicate.json()["type"] == "https://errors.vitrine.app/idempotency-key-in-flight"
                assert duplicate.headers["retry-after"] == "1"
                gates["slow"].set()
                assert (await first).status_code == 201
                replayed = await client.post("/things", json={"label": "slow"}, headers=headers)
                assert replayed.headers["idempotency-replayed"] == "true"
                assert replayed.json() == (await first).json()
                assert await labels(thing_app, tenant) == ["slow"]
        finally:
            gates.pop("slow").set()
            entered.pop("slow")


class TestPurge:
    async def test_expired_keys_are_purged_and_free_again(self, thing_app, test_keys) -> None:
        tenant = uuid.uuid4()
        headers = auth(test_keys, tenant, "k-old")
        async with running_app(thing_app) as (client, runtime):
            await client.post("/things", json={"label": "h"}, headers=headers)
            async with runtime.db.session() as session:
                await session.execute(
                    sa.update(IdempotencyKey)
                    .where(IdempotencyKey.tenant_id == tenant)
                    .values(expires_at=utcnow() - timedelta(seconds=1))
                )
                await session.commit()
            again = await client.post("/things", json={"label": "h"}, headers=headers)
            assert again.status_code == 201
            assert "idempotency-replayed" not in again.headers
            async with runtime.db.session() as session:
                await session.execute(
                    sa.update(IdempotencyKey)
                    .where(IdempotencyKey.tenant_id == tenant)
                    .values(expires_at=utcnow() - timedelta(seconds=1))
                )
                assert await purge_expired(session) >= 1
                await session.commit()
                left = await session.scalar(
                    sa.select(sa.func.count())
                    .select_from(IdempotencyKey)
                    .where(IdempotencyKey.tenant_id == tenant)
                )
            assert left == 0
            assert "idempotency-purge" in runtime.loops.report()


class TestWhichOperations:
    async def test_only_creating_tenant_posts_take_the_key(self, thing_app) -> None:
        spec: dict[str, Any] = thing_app.openapi()
        create = spec["paths"]["/things"]["post"]
        assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in create["parameters"])
        assert "Idempotency-Replayed" in create["responses"]["201"]["headers"]
        assert create["responses"]["409"]["content"]["application/problem+json"]
        touch = spec["paths"]["/things/{thing_id}/touch"]["post"]
        assert all(p["name"] != "Idempotency-Key" for p in touch.get("parameters", []))

    @pytest.mark.unit
    def test_a_shared_session_post_is_not_guarded(self) -> None:
        router = APIRouter()

        @router.post("/accounts", status_code=201)
        async def register(session: SharedSession) -> ThingOut:
            return ThingOut(id=1, label="x")

        assert not creates_something(router.routes[0])  # type: ignore[arg-type]

    @pytest.mark.unit
    def test_a_route_reading_the_key_itself_keeps_its_own_meaning(self) -> None:
        router = APIRouter()

        @router.post("/analyses", status_code=202)
        async def analyse(
            session: TenantSession, idempotency_key: Annotated[str | None, Header()] = None
        ) -> ThingOut:
            return ThingOut(id=1, label="x")

        @router.post("/uploads", status_code=201)
        async def upload(request: Request, session: TenantSession) -> ThingOut:
            return ThingOut(id=1, label="x")

        assert not creates_something(router.routes[0])  # type: ignore[arg-type]
        assert not creates_something(router.routes[1])  # type: ignore[arg-type]

    @pytest.mark.unit
    def test_the_hash_separates_path_and_body(self) -> None:
        assert request_hash("POST", "/a", b"bc") != request_hash("POST", "/ab", b"c")
        assert request_hash("POST", "/a", b"x") == request_hash("POST", "/a", b"x")
