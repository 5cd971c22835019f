from __future__ import annotations

import asyncio
import random
import uuid

import sqlalchemy as sa
from vitrine_kit.db.engine import schema_for
from vitrine_kit.db.models import Tenant
from vitrine_kit.testing.app import running_app


class TestIsolation:
    async def test_interleaved_requests_on_a_small_pool_never_cross_tenants(
        self, fixture_app, test_keys
    ) -> None:
        tenants = [uuid.uuid4(), uuid.uuid4()]
        tokens = {t: test_keys.issue(tenant_id=t) for t in tenants}
        async with running_app(fixture_app(db_pool_size=2, db_max_overflow=0)) as (client, _):
            for t in tenants:
                created = await client.post(
                    "/markers",
                    json={"label": f"marker-of-{t}"},
                    headers={"Authorization": f"Bearer {tokens[t]}"},
                )
                assert created.status_code == 201, created.text
            order = [random.choice(tenants) for _ in range(2000)]
            gate = asyncio.Semaphore(64)

            async def read(t: uuid.UUID) -> tuple[uuid.UUID, list[str]]:
                async with gate:
                    response = await client.get("/markers", headers={"Authorization": f"Bearer {tokens[t]}"})
                    assert response.status_code == 200
                    return t, response.json()

            results = await asyncio.gather(*(read(t) for t in order))
            for t, labels in results:
                assert labels == [f"marker-of-{t}"]


class TestProvisioning:
    async def test_first_use_provisions_once_under_concurrency(self, fixture_app, test_keys) -> None:
        tenant = uuid.uuid4()
        async with running_app(fixture_app()) as (_client, runtime):
            assert runtime.tenants is not None
            await asyncio.gather(*(runtime.tenants.provision(tenant) for _ in range(5)))
            await asyncio.gather(*(runtime.tenants.ensure(tenant) for _ in range(5)))
            async with runtime.db.session() as session:
                row = (await session.execute(sa.select(Tenant).where(Tenant.id == tenant))).scalar_one()
            assert row.schema_name == schema_for(tenant)
            assert row.revision == runtime.tenants.head

    async def test_deleted_tenant_is_dropped_and_never_reprovisioned(self, fixture_app, test_keys) -> None:
        tenant = uuid.uuid4()
        token = test_keys.issue(tenant_id=tenant)
        async with running_app(fixture_app()) as (client, runtime):
            assert (
                await client.post(
                    "/markers", json={"label": "x"}, headers={"Authorization": f"Bearer {token}"}
                )
            ).status_code == 201
            assert runtime.tenants is not None
            await runtime.tenants.drop(tenant)
            gone = await client.get("/markers", headers={"Authorization": f"Bearer {token}"})
            assert gone.status_code == 410
            async with runtime.db.engine.connect() as conn:
                exists = (
                    await conn.execute(
                        sa.select(sa.func.count())
                        .select_from(sa.table("schemata", schema="information_schema"))
                        .where(sa.column("schema_name") == schema_for(tenant))
                    )
                ).scalar()
            assert exists == 0
