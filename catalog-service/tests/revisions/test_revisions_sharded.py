"""Revisions with two databases: a tenant's schedule row lives in its own database, written in the same
transaction as the product change; the loop finds the rows of tenants on either; rows an older version left
on home for a tenant elsewhere are carried over by ``migrate`` and revised from there."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest_asyncio
import sqlalchemy as sa
from catalog_service.main import SERVICE_DIR
from catalog_service.models import RevisionDue
from vitrine_kit.db.base import utcnow
from vitrine_kit.db.migrations import MigrationTrees, migrate_databases
from vitrine_kit.db.models import OutboxMessage
from vitrine_kit.db.shards import HOME
from vitrine_kit.testing.helpers import eventually


@pytest_asyncio.fixture(scope="module")
async def urls(service_database: Any) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:6]
    home = await service_database(f"catalog_xh{suffix}", SERVICE_DIR)
    return {HOME: home, "b": await service_database(f"catalog_xb{suffix}", SERVICE_DIR)}


@pytest_asyncio.fixture(scope="module")
async def app(urls: dict[str, str], start_app: Any) -> AsyncIterator[Any]:
    # A window of 4 s: the first test reads the rows inside it after two sellers list and edit (1 s passed
    # on a loaded machine); the revises still come well within `eventually`'s 15 s.
    async with start_app(
        urls[HOME],
        database_shards=f"b={urls['b']}",
        db_pool_size=3,
        db_max_overflow=2,
        revision_window_s=4.0,
    ) as app:
        yield app


async def seller_on(app: Any, database: str) -> Any:
    while True:
        seller = app.seller()
        await seller.get("/products")  # provisions (and places) the tenant
        if await app.runtime.db.shard_map.shard_of(seller.tenant_id) == database:
            return seller


async def revises(seller: Any, database: str) -> list[dict[str, Any]]:
    async with seller.app.runtime.db.database_session(database) as session:
        rows = await session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.routing_key.startswith("publication.requested"))
            .order_by(OutboxMessage.seq)
        )
        return [
            r.body["payload"]
            for r in rows
            if r.body.get("tenant_id") == str(seller.tenant_id) and r.body["payload"]["action"] == "revise"
        ]


async def due_rows(app: Any, database: str, tenant_id: uuid.UUID) -> list[uuid.UUID]:
    async with app.runtime.db.database_session(database) as session:
        found = await session.scalars(
            sa.select(RevisionDue.product_id).where(RevisionDue.tenant_id == tenant_id)
        )
        return list(found)


async def no_due_rows(app: Any, database: str, tenant_id: uuid.UUID) -> bool:
    return await due_rows(app, database, tenant_id) == []


class TestRevisionsOnTwoDatabases:
    async def test_the_schedule_row_sits_with_the_tenant_and_the_loop_finds_both(self, app: Any) -> None:
        on_home, on_b = await seller_on(app, HOME), await seller_on(app, "b")
        products = {}
        for seller in (on_home, on_b):
            product = await seller.listed("ebay")
            response = await seller.patch(f"/products/{product['id']}", json={"price": "41.00"})
            assert response.status_code == 200, response.text
            products[seller.tenant_id] = uuid.UUID(product["id"])
        # Within the window: each row is in its tenant's database, none on the other.
        assert await due_rows(app, "b", on_b.tenant_id) == [products[on_b.tenant_id]]
        assert await due_rows(app, HOME, on_b.tenant_id) == []
        assert await due_rows(app, HOME, on_home.tenant_id) == [products[on_home.tenant_id]]
        for seller, database in ((on_home, HOME), (on_b, "b")):
            [revise] = await eventually(lambda s=seller, d=database: revises(s, d))  # type: ignore[misc]
            assert revise["snapshot"]["price"]["amount"] == "41.00"
            # The row goes in the loop's next transaction, just after the revise's.
            await eventually(lambda s=seller, d=database: no_due_rows(app, d, s.tenant_id))  # type: ignore[misc]

    async def test_a_row_left_on_home_is_carried_to_the_tenants_database_and_revised(
        self, app: Any, urls: dict[str, str]
    ) -> None:
        seller = await seller_on(app, "b")
        product = await seller.listed("ebay")
        await seller.patch(f"/products/{product['id']}", json={"notes": "not listed: no revise"})
        # What the version before colocated tables writes (during a rollout, through the old name that the
        # migration keeps as a view): the row on home, in a second commit.
        old_name = sa.table(
            "revisions_due",
            *(sa.column(c) for c in ("tenant_id", "product_id", "due_at", "first_change_at")),
            schema="shared",
        )
        async with app.runtime.db.session() as session:
            await session.execute(
                sa.insert(old_name).values(
                    tenant_id=seller.tenant_id,
                    product_id=uuid.UUID(product["id"]),
                    due_at=utcnow() + timedelta(hours=1),
                    first_change_at=utcnow(),
                )
            )
            await session.commit()
        reports = await migrate_databases(urls, MigrationTrees.in_dir(SERVICE_DIR))
        assert reports["b"].colocated_received == 1
        assert await due_rows(app, HOME, seller.tenant_id) == []
        assert await due_rows(app, "b", seller.tenant_id) == [uuid.UUID(product["id"])]
        async with app.runtime.db.database_session("b") as session:
            await session.execute(
                sa.update(RevisionDue)
                .where(RevisionDue.tenant_id == seller.tenant_id)
                .values(due_at=utcnow())
            )
            await session.commit()
        [revise] = await eventually(lambda: revises(seller, "b"))
        assert revise["product_id"] == product["id"]
