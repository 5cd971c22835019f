"""Several databases per service: placement, routing, migrate across them, moving a tenant (and resuming)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fixture_service.app import SERVICE_DIR, Marker, Ping
from sqlalchemy.ext.asyncio import AsyncEngine
from vitrine_kit.db.engine import Database, schema_for
from vitrine_kit.db.migrations import MigrationTrees, migrate_databases
from vitrine_kit.db.models import InboxMessage, OutboxMessage, ShardState, TenantShard
from vitrine_kit.db.move import MoveRefused, move_tenant
from vitrine_kit.db.shards import HOME, InvalidShards, TenantMoving, parse_shards
from vitrine_kit.db.tenancy import TenantRegistry
from vitrine_kit.events.outbox import Outbox
from vitrine_kit.testing.app import running_app

TREES = MigrationTrees.in_dir(SERVICE_DIR)


class Interrupted(Exception):
    pass


async def _schemas(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(sa.text("SELECT nspname FROM pg_namespace WHERE nspname LIKE 't\\_%'"))
        return set(rows.scalars())


async def _labels(db: Database, tenant: uuid.UUID) -> list[str]:
    async with db.tenant_session(tenant) as session:
        return list((await session.execute(sa.select(Marker.label).order_by(Marker.id))).scalars())


async def _seed(db: Database, tenant: uuid.UUID, labels: list[str], *, pending_events: int = 0) -> None:
    outbox = Outbox("kittest")
    async with db.tenant_session(tenant) as session:
        session.add_all([Marker(label=label) for label in labels])
        for i in range(pending_events):
            outbox.add(session, Ping(name=f"p{i}"), tenant_id=tenant)
        session.add(
            InboxMessage(consumer="kittest.events", message_id=uuid.uuid4(), event_type="x", tenant_id=tenant)
        )
        await session.commit()


class TestParse:
    def test_names_and_urls(self) -> None:
        assert parse_shards("", "pg://h") == {HOME: "pg://h"}
        assert parse_shards(" b=pg://b , c=pg://c ", "pg://h") == {
            HOME: "pg://h",
            "b": "pg://b",
            "c": "pg://c",
        }

    @pytest.mark.parametrize(
        ("spec", "problem"),
        [
            ("b", "has no URL"),
            ("B=pg://b", "must match"),
            ("home=pg://x", "named twice"),
            ("b=pg://b,b=pg://c", "named twice"),
            ("b=pg://h", "repeats the URL"),
        ],
    )
    def test_bad_specs_name_the_problem(self, spec: str, problem: str) -> None:
        with pytest.raises(InvalidShards, match=problem):
            parse_shards(spec, "pg://h")


class TestPlacementAndRouting:
    async def test_new_tenants_go_to_the_database_with_fewest_and_their_data_follows(
        self, db: Database
    ) -> None:
        registry = TenantRegistry(db, TREES.tenant)
        tenants = [uuid.uuid4() for _ in range(4)]
        for t in tenants:
            await registry.ensure(t)
        counts = await db.shard_map.counts()
        assert counts == {HOME: 2, "b": 2}
        placed = {t: await db.shard_map.shard_of(t) for t in tenants}
        assert [placed[t] for t in tenants] == [HOME, "b", HOME, "b"]  # ties: home first
        for t in tenants:
            await _seed(db, t, [f"m-{t}"], pending_events=1)
        for name, engine in db.engines.items():
            mine = {schema_for(t) for t in tenants if placed[t] == name}
            assert await _schemas(engine) == mine
            async with engine.connect() as conn:
                outbox_tenants = set(
                    (await conn.execute(sa.select(OutboxMessage.body["tenant_id"].astext))).scalars()
                )
            assert outbox_tenants == {str(t) for t in tenants if placed[t] == name}
        for t in tenants:
            assert await _labels(db, t) == [f"m-{t}"]

    async def test_service_wide_tables_stay_home_within_a_tenant_session(self, db: Database) -> None:
        registry = TenantRegistry(db, TREES.tenant)
        home_tenant, b_tenant = uuid.uuid4(), uuid.uuid4()
        await registry.ensure(home_tenant)
        await registry.ensure(b_tenant)
        assert await db.shard_map.shard_of(b_tenant) == "b"
        async with db.tenant_session(b_tenant) as session:
            session.add(Marker(label="on b"))
            await session.execute(sa.text("SELECT 1"))
            await session.execute(
                sa.insert(sa.table("notes", sa.column("id"), sa.column("text"), schema="shared")).values(
                    id=1, text="service-wide"
                )
            )
            await session.commit()
        for name, expected in ((HOME, ["service-wide"]), ("b", [])):
            async with db.engines[name].connect() as conn:
                assert (
                    list((await conn.execute(sa.text("SELECT text FROM shared.notes"))).scalars()) == expected
                )

    async def test_a_tenant_known_on_home_before_the_map_stays_there(
        self, shard_urls: dict[str, str]
    ) -> None:
        single = Database(shard_urls[HOME])
        tenant = uuid.uuid4()
        try:
            await TenantRegistry(single, TREES.tenant).ensure(tenant)
        finally:
            await single.dispose()
        sharded = Database(shard_urls[HOME], shards=shard_urls)
        try:
            await sharded.shard_map.place(uuid.uuid4())  # b now has fewer tenants than home
            assert await sharded.shard_map.shard_of(tenant, place=True) == HOME
            assert await TenantRegistry(sharded, TREES.tenant).exists(tenant)
        finally:
            await sharded.dispose()


class TestMigrateAcross:
    async def test_migrate_and_readiness_cover_every_database(
        self, shard_urls: dict[str, str], fixture_app: Callable[..., Any], tenant_id: uuid.UUID
    ) -> None:
        reports = await migrate_databases(shard_urls, TREES)
        assert set(reports) == {HOME, "b"}
        spec = f"b={shard_urls['b']}"
        async with running_app(fixture_app(database_url=shard_urls[HOME], database_shards=spec)) as (
            client,
            rt,
        ):
            ready = (await client.get("/readyz")).json()
            assert {k: v for k, v in ready["checks"].items() if k != "broker"} == {
                "database.home": "ok",
                "migrations.home": "ok",
                "database.b": "ok",
                "migrations.b": "ok",
            }
            assert len(rt.relays) == 2
            # A database behind its head makes the service not ready.
            async with rt.db.engines["b"].begin() as conn:
                await conn.execute(sa.text("UPDATE shared.alembic_version SET version_num = 'older'"))
            behind = await client.get("/readyz")
            assert behind.status_code == 503
            assert behind.json()["checks"]["migrations.b"].startswith("behind")
            async with rt.db.engines["b"].begin() as conn:
                await conn.execute(sa.text("UPDATE shared.alembic_version SET version_num = 's0002'"))


class TestMove:
    async def test_move_copies_data_and_pending_events_then_drops_the_source(
        self, db: Database, placed_on: Callable[[str], Awaitable[uuid.UUID]]
    ) -> None:
        tenant = await placed_on(HOME)
        other = await placed_on(HOME)
        await _seed(db, tenant, [f"m{i}" for i in range(50)], pending_events=3)
        await _seed(db, other, ["stays"])
        seen: list[str] = []

        async def during(phase: str) -> None:
            seen.append(phase)
            if phase == "marked":
                # Requests and events for the moving tenant wait; another tenant is served.
                with pytest.raises(TenantMoving):
                    await _labels(db, tenant)
                assert await _labels(db, other) == ["stays"]

        report = await move_tenant(db, TREES.tenant, tenant, "b", settle_s=0.3, on_phase=during)
        assert seen == ["marked", "prepared", "copied", "switched", "dropped"]
        assert (report.source, report.target, report.outcome) == (HOME, "b", "moved")
        assert report.rows == {"counters": 0, "markers": 50}
        assert (report.outbox, report.inbox) == (3, 1)
        assert await db.shard_map.shard_of(tenant) == "b"
        assert await _labels(db, tenant) == [f"m{i}" for i in range(50)]
        # The sequence goes on after the copied ids.
        await _seed(db, tenant, ["after"])
        assert (await _labels(db, tenant))[-1] == "after"
        assert schema_for(tenant) not in await _schemas(db.engines[HOME])
        for name, expected in ((HOME, 0), ("b", 3)):
            async with db.engines[name].connect() as conn:
                pending = (
                    await conn.execute(
                        sa.select(sa.func.count())
                        .select_from(OutboxMessage)
                        .where(OutboxMessage.body["tenant_id"].astext == str(tenant))
                        .where(OutboxMessage.body["payload"]["name"].astext.like("p%"))
                    )
                ).scalar_one()
            assert pending == expected, name
        assert await _labels(db, other) == ["stays"]
        again = await move_tenant(db, TREES.tenant, tenant, "b", settle_s=0)
        assert again.outcome == "already there"
        back = await move_tenant(db, TREES.tenant, tenant, HOME, settle_s=0)
        assert back.rows["markers"] == 51
        assert await _labels(db, tenant) == [*(f"m{i}" for i in range(50)), "after"]

    async def test_rows_seeded_by_the_migrations_give_way_to_the_source_rows(
        self, db: Database, placed_on: Callable[[str], Awaitable[uuid.UUID]]
    ) -> None:
        tenant = await placed_on(HOME)
        schema = schema_for(tenant)
        async with db.engines[HOME].begin() as conn:
            await conn.execute(sa.text(f"INSERT INTO \"{schema}\".counters (name, value) VALUES ('seed', 5)"))

        async def seed_target(phase: str) -> None:
            if phase == "prepared":  # as a migration inserting a default row would
                async with db.engines["b"].begin() as conn:
                    await conn.execute(
                        sa.text(f"INSERT INTO \"{schema}\".counters (name, value) VALUES ('seed', 1)")
                    )

        report = await move_tenant(db, TREES.tenant, tenant, "b", settle_s=0, on_phase=seed_target)
        assert report.rows["counters"] == 1
        async with db.engines["b"].connect() as conn:
            rows = (await conn.execute(sa.text(f'SELECT name, value FROM "{schema}".counters'))).all()
        assert [tuple(r) for r in rows] == [("seed", 5)]

    @pytest.mark.parametrize("crash_at", ["prepared", "copied"])
    async def test_a_move_interrupted_before_the_switch_starts_again(
        self, db: Database, placed_on: Callable[[str], Awaitable[uuid.UUID]], crash_at: str
    ) -> None:
        tenant = await placed_on(HOME)
        await _seed(db, tenant, ["a", "b", "c"], pending_events=1)
        await self._crash(db, tenant, crash_at)
        row = await self._row(db, tenant)
        assert (row.shard, row.state, row.target) == (HOME, ShardState.MOVING, "b")
        with pytest.raises(TenantMoving):
            await _labels(db, tenant)
        with pytest.raises(MoveRefused, match="being moved to 'b'"):
            await move_tenant(db, TREES.tenant, tenant, HOME, settle_s=0)
        report = await move_tenant(db, TREES.tenant, tenant, "b", settle_s=0)
        assert report.outcome == "moved"
        assert report.rows["markers"] == 3
        assert await _labels(db, tenant) == ["a", "b", "c"]
        async with db.engines["b"].connect() as conn:
            assert (
                await conn.execute(
                    sa.select(sa.func.count())
                    .select_from(InboxMessage)
                    .where(InboxMessage.tenant_id == tenant)
                )
            ).scalar_one() == 1

    async def test_a_move_interrupted_after_the_switch_only_drops_the_old_copy(
        self, db: Database, placed_on: Callable[[str], Awaitable[uuid.UUID]]
    ) -> None:
        tenant = await placed_on(HOME)
        await _seed(db, tenant, ["x"])
        await self._crash(db, tenant, "switched")
        row = await self._row(db, tenant)
        assert (row.shard, row.state, row.previous) == ("b", ShardState.ACTIVE, HOME)
        assert await _labels(db, tenant) == ["x"]  # served from b already
        assert schema_for(tenant) in await _schemas(db.engines[HOME])
        report = await move_tenant(db, TREES.tenant, tenant, "b", settle_s=0)
        assert report.outcome == "finished"
        assert schema_for(tenant) not in await _schemas(db.engines[HOME])
        assert (await self._row(db, tenant)).previous is None

    async def test_refusals_name_the_problem(self, db: Database, shard_urls: dict[str, str]) -> None:
        with pytest.raises(MoveRefused, match="no database named 'c'"):
            await move_tenant(db, TREES.tenant, uuid.uuid4(), "c", settle_s=0)
        with pytest.raises(MoveRefused, match="not provisioned"):
            await move_tenant(db, TREES.tenant, uuid.uuid4(), "b", settle_s=0)
        single = Database(shard_urls[HOME])
        try:
            with pytest.raises(MoveRefused, match="single database"):
                await move_tenant(single, TREES.tenant, uuid.uuid4(), "b", settle_s=0)
        finally:
            await single.dispose()

    async def _crash(self, db: Database, tenant: uuid.UUID, at: str) -> None:
        async def crash(phase: str) -> None:
            if phase == at:
                raise Interrupted(phase)

        hook: Callable[[str], Awaitable[None]] = crash
        with pytest.raises(Interrupted):
            await move_tenant(db, TREES.tenant, tenant, "b", settle_s=0, on_phase=hook)
        db.shard_map.invalidate()

    async def _row(self, db: Database, tenant: uuid.UUID) -> TenantShard:
        async with db.session() as session:
            return (
                await session.execute(sa.select(TenantShard).where(TenantShard.tenant_id == tenant))
            ).scalar_one()
