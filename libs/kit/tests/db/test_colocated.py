"""``colocated`` tables: a tenant's rows live in its database, commit with its data, move with it, and rows
left on another database are carried over (interrupted or not) without loss or duplicate."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fixture_service.app import SERVICE_DIR, Marker
from vitrine_kit.db import colocated
from vitrine_kit.db.engine import Database
from vitrine_kit.db.migrations import MigrationTrees, migrate_databases
from vitrine_kit.db.move import move_tenant
from vitrine_kit.db.shards import HOME

TREES = MigrationTrees.in_dir(SERVICE_DIR)
NOTES = sa.table("notes", sa.column("id"), sa.column("text"), schema="shared")
DUE = sa.table("due", sa.column("tenant_id"), sa.column("item"), sa.column("note"), schema="colocated")


class Crash(Exception):
    pass


async def _due(db: Database, name: str, tenant: uuid.UUID) -> dict[str, str]:
    async with db.database_session(name) as session:
        rows = await session.execute(sa.select(DUE.c.item, DUE.c.note).where(DUE.c.tenant_id == tenant))
        return {str(item): str(note) for item, note in rows.all()}


async def _write_on(db: Database, name: str, tenant: uuid.UUID, **items: str) -> None:
    async with db.database_session(name) as session:
        for item, note in items.items():
            await session.execute(sa.insert(DUE).values(tenant_id=tenant, item=item, note=note))
        await session.commit()


class TestRouting:
    async def test_a_tenant_session_writes_colocated_rows_in_the_tenants_database(
        self, db: Database, placed_on: Callable[[str], Awaitable[uuid.UUID]]
    ) -> None:
        on_home, on_b = await placed_on(HOME), await placed_on("b")
        for tenant in (on_home, on_b):
            async with db.tenant_session(tenant) as session:
                session.add(Marker(label="with its schedule"))
                await session.execute(sa.insert(DUE).values(tenant_id=tenant, item="x", note="n"))
                await session.commit()
        assert await _due(db, HOME, on_home) == {"x": "n"}
        assert await _due(db, "b", on_b) == {"x": "n"}
        assert await _due(db, HOME, on_b) == {}

    async def test_a_failed_commit_leaves_neither_the_data_nor_the_row(
        self, db: Database, placed_on: Callable[[str], Awaitable[uuid.UUID]]
    ) -> None:
        tenant = await placed_on("b")
        async with db.tenant_session(tenant) as session:
            session.add(Marker(label="lost together"))
            await session.execute(sa.insert(DUE).values(tenant_id=tenant, item="x", note="n"))
            await session.flush()
            # One connection only: the tenant's database (nothing was opened on home to commit first).
            assert [c.engine.url.database for c in _connections(session)] == [db.engines["b"].url.database]
            await session.rollback()
        assert await _due(db, "b", tenant) == {}
        async with db.tenant_session(tenant) as session:
            assert (await session.execute(sa.select(Marker))).first() is None
            # What the check would see of a home-only ``shared`` table: a second database in the transaction.
            await session.execute(sa.insert(NOTES).values(id=1, text="home"))
            assert len(_connections(session)) == 2


def _connections(session: Any) -> list[Any]:
    transaction = session.sync_session.get_transaction()
    return list({id(entry[0]): entry[0] for entry in transaction._connections.values()}.values())


class TestMoveAndSettle:
    async def test_a_move_takes_the_tenants_colocated_rows(
        self, db: Database, placed_on: Callable[[str], Awaitable[uuid.UUID]]
    ) -> None:
        tenant, other = await placed_on(HOME), await placed_on(HOME)
        await _write_on(db, HOME, tenant, a="1", b="2")
        await _write_on(db, HOME, other, a="stays")
        await _write_on(db, "b", tenant, stale="left by an interrupted run")
        report = await move_tenant(db, TREES.tenant, tenant, "b", settle_s=0)
        assert report.colocated == 2
        assert await _due(db, "b", tenant) == {"a": "1", "b": "2"}
        assert await _due(db, HOME, tenant) == {}
        assert await _due(db, HOME, other) == {"a": "stays"}

    async def test_migrate_carries_rows_left_on_home_to_the_tenants_database(
        self, db: Database, placed_on: Callable[[str], Awaitable[uuid.UUID]], shard_urls: dict[str, str]
    ) -> None:
        tenant, home_tenant = await placed_on("b"), await placed_on(HOME)
        # As written by the code before the table was colocated: on home.
        await _write_on(db, HOME, tenant, a="1", b="2")
        await _write_on(db, HOME, home_tenant, a="home")
        reports = await migrate_databases(shard_urls, TREES)
        assert (reports[HOME].colocated_received, reports["b"].colocated_received) == (0, 2)
        assert await _due(db, "b", tenant) == {"a": "1", "b": "2"}
        assert await _due(db, HOME, tenant) == {}
        assert await _due(db, HOME, home_tenant) == {"a": "home"}
        again = await colocated.settle(shard_urls)
        assert again == {HOME: 0, "b": 0}

    async def test_a_carry_interrupted_at_any_point_loses_nothing_and_duplicates_nothing(
        self,
        db: Database,
        placed_on: Callable[[str], Awaitable[uuid.UUID]],
        shard_urls: dict[str, str],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        tenant = await placed_on("b")
        await _write_on(db, HOME, tenant, a="old", b="2")
        await _write_on(db, "b", tenant, a="newer")  # the tenant's database already has a newer row
        real_put = colocated.put

        async def failing_put(conn: Any, rows: Any, **kw: Any) -> int:
            await real_put(conn, rows, **kw)
            raise Crash  # the target's transaction does not commit

        monkeypatch.setattr(colocated, "put", failing_put)
        with pytest.raises(Crash):
            await colocated.settle(shard_urls)
        assert await _due(db, HOME, tenant) == {"a": "old", "b": "2"}  # nothing lost
        assert await _due(db, "b", tenant) == {"a": "newer"}

        # Now the target commits and the source's delete does not (the process dies in between).
        def crash(*args: Any) -> None:
            raise Crash

        monkeypatch.setattr(colocated, "put", real_put)
        monkeypatch.setattr(colocated, "_carried", crash)
        with pytest.raises(Crash):
            await colocated.settle(shard_urls)
        assert await _due(db, HOME, tenant) == {"a": "old", "b": "2"}
        assert await _due(db, "b", tenant) == {"a": "newer", "b": "2"}

        monkeypatch.undo()
        await colocated.settle(shard_urls)  # the rerun finishes: one copy of each row, the newer kept
        assert await _due(db, HOME, tenant) == {}
        assert await _due(db, "b", tenant) == {"a": "newer", "b": "2"}

    async def test_rows_of_a_tenant_being_moved_are_left_to_the_move(
        self, db: Database, placed_on: Callable[[str], Awaitable[uuid.UUID]], shard_urls: dict[str, str]
    ) -> None:
        tenant = await placed_on("b")
        await _write_on(db, HOME, tenant, a="1")
        async with db.engines[HOME].begin() as conn:
            await conn.execute(
                sa.text(
                    "UPDATE shared.tenant_shards SET state = 'moving', target = 'home' WHERE tenant_id = :t"
                ),
                {"t": tenant},
            )
        assert await colocated.settle(shard_urls) == {HOME: 0, "b": 0}
        assert await _due(db, HOME, tenant) == {"a": "1"}
