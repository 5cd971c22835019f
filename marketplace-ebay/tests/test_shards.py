"""Two databases: an account's directory and schedule rows live in its tenant's database (one transaction
with the account), the loops and the notification lookups find the accounts of tenants on either, a
deleted tenant's rows go from its database, and rows an older version left on home are carried over."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
import sqlalchemy as sa
from marketplace_ebay.after_sale.loop import schedule
from marketplace_ebay.after_sale.models import AfterSalePoll
from marketplace_ebay.main import SERVICE_DIR
from marketplace_ebay.models import AccountDirectory, EbayAccount, OrderPoll, Reconciliation
from marketplace_ebay.orders.service import order_poller
from marketplace_ebay.reconcile.loop import tick as reconcile_tick
from sqlalchemy import event
from vitrine_kit.db.migrations import MigrationTrees, migrate_databases
from vitrine_kit.db.shards import HOME

ROWS = (AccountDirectory, OrderPoll, Reconciliation)


@pytest_asyncio.fixture
async def urls(service_database: Any) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:6]
    home = await service_database(f"ebay_xh{suffix}", SERVICE_DIR)
    return {HOME: home, "b": await service_database(f"ebay_xb{suffix}", SERVICE_DIR)}


@pytest_asyncio.fixture
async def sharded(h, make_settings, sandbox, test_keys, urls: dict[str, str]) -> AsyncIterator[Any]:
    settings = make_settings(
        database_url=urls[HOME], database_shards=f"b={urls['b']}", db_pool_size=3, db_max_overflow=2
    )
    async with h.started(settings, sandbox, test_keys) as ebay:
        yield ebay


async def place_on(ebay, database: str) -> uuid.UUID:
    while True:
        tenant = uuid.uuid4()
        if (await ebay.runtime.db.shard_map.place(tenant)).shard == database:
            return tenant


async def rows_of(ebay, database: str, tenant: uuid.UUID) -> dict[str, int]:
    async with ebay.runtime.db.database_session(database) as session:
        return {
            table.__tablename__: int(
                await session.scalar(
                    sa.select(sa.func.count()).select_from(table).where(table.tenant_id == tenant)
                )
                or 0
            )
            for table in (*ROWS, AfterSalePoll)
        }


async def connect_on(h, ebay, database: str) -> tuple[uuid.UUID, str]:
    ebay.tenant = await place_on(ebay, database)
    return ebay.tenant, await h.ready_account(ebay)


async def make_due(ebay, database: str) -> None:
    async with ebay.runtime.db.database_session(database) as session:
        await session.execute(sa.update(OrderPoll).values(next_poll_at=sa.func.now()))
        await session.execute(sa.update(Reconciliation).values(next_at=sa.func.now()))
        await session.commit()


async def polled(ebay, database: str, account: str) -> bool:
    async with ebay.runtime.db.database_session(database) as session:
        poll = await session.get(OrderPoll, uuid.UUID(account))
        return poll is not None and poll.last_polled_at is not None


class TestAccountsOnTwoDatabases:
    async def test_rows_sit_with_the_tenant_and_the_loops_find_both(self, h, sharded) -> None:
        on_home, home_account = await connect_on(h, sharded, HOME)
        on_b, b_account = await connect_on(h, sharded, "b")
        full = {"account_directory": 1, "order_polls": 1, "reconciliations": 1, "after_sale_polls": 0}
        assert await rows_of(sharded, "b", on_b) == full
        assert await rows_of(sharded, HOME, on_b) == dict.fromkeys(full, 0)
        assert await rows_of(sharded, HOME, on_home) == full
        for database in (HOME, "b"):
            await make_due(sharded, database)
        assert await order_poller.tick(sharded.ctx) == 2
        assert await polled(sharded, HOME, home_account)
        assert await polled(sharded, "b", b_account)
        assert await reconcile_tick(sharded.ctx) == 2
        for database, tenant in ((HOME, on_home), ("b", on_b)):
            await schedule(sharded.ctx, database)
            assert (await rows_of(sharded, database, tenant))["after_sale_polls"] == 1

    async def test_a_deletion_notice_finds_the_holder_on_its_database(self, h, sharded) -> None:
        tenant, account = await connect_on(h, sharded, "b")
        async with sharded.runtime.db.tenant_session(tenant) as session:
            user = (await session.get(EbayAccount, uuid.UUID(account))).ebay_user_id
        notice = (
            await sharded.sandbox.post("/sandbox/notifications/account-deletion", json={"user_id": user})
        ).json()
        done = await sharded.client.post(
            "/webhooks/account-deletion", content=notice["body"], headers=notice["headers"]
        )
        assert done.status_code == 204
        assert (await sharded.client.get("/accounts", headers=sharded.auth())).json() == []
        assert sum((await rows_of(sharded, "b", tenant)).values()) == 0

    async def test_rows_left_on_home_are_carried_to_the_tenants_database(
        self, h, sharded, urls: dict[str, str]
    ) -> None:
        tenant, account = await connect_on(h, sharded, "b")
        # As the version before colocated tables left them: on home (committed apart from the account).
        db = sharded.runtime.db
        for table in ROWS:
            async with db.database_session("b") as session:
                row = (await session.execute(sa.select(table).where(table.tenant_id == tenant))).scalar_one()
                values = {c.key: getattr(row, c.key) for c in sa.inspect(table).column_attrs}
                await session.execute(sa.delete(table).where(table.tenant_id == tenant))
                await session.commit()
            async with db.database_session(HOME) as session:
                await session.execute(sa.insert(table).values(**values))
                await session.commit()
        reports = await migrate_databases(urls, MigrationTrees.in_dir(SERVICE_DIR))
        assert reports["b"].colocated_received == 3
        assert sum((await rows_of(sharded, HOME, tenant)).values()) == 0
        assert await rows_of(sharded, "b", tenant) == {
            "account_directory": 1,
            "order_polls": 1,
            "reconciliations": 1,
            "after_sale_polls": 0,
        }
        await make_due(sharded, "b")
        assert await order_poller.tick(sharded.ctx) == 1
        assert await polled(sharded, "b", account)

    async def test_a_commit_failing_on_the_tenants_database_leaves_nothing_on_either(
        self, h, sharded
    ) -> None:
        sharded.tenant = await place_on(sharded, "b")
        query = await sharded.consent("EBAY_FR")
        engine = sharded.runtime.db.engines["b"].sync_engine

        def fail(conn: Any) -> None:
            raise ConnectionResetError("the tenant's database went away at commit")

        event.listen(engine, "commit", fail)
        try:
            back = await sharded.client.get(
                "/oauth/callback", params={"code": query["code"], "state": query["state"]}
            )
            assert back.status_code >= 500 or "account_id" not in back.headers.get("location", "")
        except ConnectionResetError:
            pass  # the test client may surface the application's error itself
        finally:
            event.remove(engine, "commit", fail)
        for database in (HOME, "b"):  # no directory nor schedule row without its account
            assert sum((await rows_of(sharded, database, sharded.tenant)).values()) == 0
        assert (await sharded.client.get("/accounts", headers=sharded.auth())).json() == []
        account = await h.ready_account(sharded)  # connecting again works, everything on b
        assert (await rows_of(sharded, "b", sharded.tenant))["order_polls"] == 1
        assert await polled(sharded, "b", account) is False

    async def test_a_deleted_tenant_s_rows_go_from_its_database(self, h, sharded) -> None:
        from marketplace_ebay.accounts.teardown import teardown

        tenant, _account = await connect_on(h, sharded, "b")
        await teardown.tenant_deleted(sharded.ctx, tenant)
        assert sum((await rows_of(sharded, "b", tenant)).values()) == 0
