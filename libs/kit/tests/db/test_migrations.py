from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
from fixture_service.app import SERVICE_DIR
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from vitrine_kit.db.engine import schema_for
from vitrine_kit.db.migrations import MigrationTrees, current_revisions, migrate_all
from vitrine_kit.db.models import Tenant
from vitrine_kit.testing import infra

ADD_COLUMN = '''"""add colour to markers

Revision ID: t0002
Revises: t0001
"""
import os

import sqlalchemy as sa
from alembic import op

from vitrine_kit.db.migrations import target_schema

revision = "t0002"
down_revision = "t0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if target_schema() in os.environ.get("KITTEST_FAIL_SCHEMAS", "").split(","):
        raise RuntimeError("simulated failure")
    op.add_column("markers", sa.Column("colour", sa.String(20)), schema=target_schema())


def downgrade() -> None:
    op.drop_column("markers", "colour", schema=target_schema())
'''


PARKED = '''"""parked (made in shared, with a row) moves to schema colocated (and back: it stays in shared)

Revision ID: s0003
Revises: s0002
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from vitrine_kit.db.migrations import move_back_to_shared, move_to_colocated

revision = "s0003"
down_revision = "s0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parked",
        sa.Column("tenant_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("note", sa.String(50), nullable=False),
        schema="shared",
    )
    op.execute("INSERT INTO shared.parked VALUES ('00000000-0000-0000-0000-000000000001', 'before')")
    move_to_colocated("parked")


def downgrade() -> None:
    move_back_to_shared("parked")
'''


@pytest.fixture
def trees(tmp_path: Path) -> MigrationTrees:
    shutil.copytree(SERVICE_DIR / "migrations", tmp_path / "migrations")
    return MigrationTrees.in_dir(tmp_path)


async def register_tenants(url: str, count: int) -> list[str]:
    engine = create_async_engine(url)
    tenants = [uuid.uuid4() for _ in range(count)]
    async with engine.begin() as conn:
        await conn.execute(sa.insert(Tenant), [{"id": t, "schema_name": schema_for(t)} for t in tenants])
    await engine.dispose()
    return [schema_for(t) for t in tenants]


class TestMigrateAll:
    async def test_upgrades_every_schema_resumes_after_a_failure(
        self, trees: MigrationTrees, pg_server_url: str, run_id: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        name = f"test_kitmigrate_{run_id}_{uuid.uuid4().hex[:6]}"
        url = await infra.migrated_database(pg_server_url, name, trees)
        try:
            schemas = await register_tenants(url, 60)
            first = await migrate_all(url, trees, concurrency=2)
            assert len(first.upgraded) == 60
            again = await migrate_all(url, trees, concurrency=2)
            assert again.upgraded == []
            assert again.already_at_head == 60

            (trees.tenant / "versions" / "0002_colour.py").write_text(ADD_COLUMN)
            broken = schemas[7]
            monkeypatch.setenv("KITTEST_FAIL_SCHEMAS", broken)
            failed = await migrate_all(url, trees, concurrency=2)
            assert set(failed.failed) == {broken}
            assert len(failed.upgraded) == 59

            engine = create_async_engine(url)
            async with engine.connect() as conn:
                revisions = await current_revisions(conn, schemas)
                error = (
                    await conn.execute(sa.select(Tenant.last_error).where(Tenant.schema_name == broken))
                ).scalar()
            assert revisions[broken] == "t0001"
            assert {r for s, r in revisions.items() if s != broken} == {"t0002"}
            assert "simulated failure" in error

            monkeypatch.delenv("KITTEST_FAIL_SCHEMAS")
            resumed = await migrate_all(url, trees, concurrency=2)
            assert resumed.upgraded == [broken]
            async with engine.connect() as conn:
                assert set((await current_revisions(conn, schemas)).values()) == {"t0002"}
                columns = (
                    (
                        await conn.execute(
                            sa.select(sa.column("column_name", sa.String))
                            .select_from(sa.table("columns", schema="information_schema"))
                            .where(sa.column("table_schema", sa.String) == broken)
                            .where(sa.column("table_name", sa.String) == "markers")
                        )
                    )
                    .scalars()
                    .all()
                )
            assert "colour" in columns
            await engine.dispose()
        finally:
            await infra.drop_database(pg_server_url, name)


def _downgrade_shared(conn: Connection, trees: MigrationTrees, target: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(trees.shared))
    script = ScriptDirectory.from_config(cfg)
    with EnvironmentContext(
        cfg, script, fn=lambda rev, _: script._downgrade_revs(target, rev), destination_rev=target
    ) as env:
        env.configure(connection=conn, version_table_schema="shared", transactional_ddl=True)
        with env.begin_transaction():
            env.run_migrations()


class TestMoveToColocated:
    async def test_the_table_moves_with_its_rows_and_its_old_name_still_works_until_moved_back(
        self, trees: MigrationTrees, pg_server_url: str, run_id: str
    ) -> None:
        (trees.shared / "versions" / "0003_parked.py").write_text(PARKED)
        name = f"test_kitcolocate_{run_id}_{uuid.uuid4().hex[:6]}"
        url = await infra.migrated_database(pg_server_url, name, trees)
        engine = create_async_engine(url)
        kinds = sa.text(
            "SELECT n.nspname, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = 'parked' ORDER BY n.nspname"
        )
        try:
            async with engine.begin() as conn:
                assert (await conn.execute(kinds)).all() == [("colocated", "r"), ("shared", "v")]
                # Code still writing through the old name writes the moved table.
                await conn.execute(
                    sa.text(
                        "INSERT INTO shared.parked VALUES ('00000000-0000-0000-0000-000000000002', 'after')"
                    )
                )
                notes = (
                    await conn.execute(sa.text("SELECT note FROM colocated.parked ORDER BY note"))
                ).scalars()
                assert list(notes) == ["after", "before"]
            async with engine.begin() as conn:
                await conn.run_sync(_downgrade_shared, trees, "s0002")
            async with engine.begin() as conn:
                assert (await conn.execute(kinds)).all() == [("shared", "r")]
                notes = (
                    await conn.execute(sa.text("SELECT note FROM shared.parked ORDER BY note"))
                ).scalars()
                assert list(notes) == ["after", "before"]
        finally:
            await engine.dispose()
            await infra.drop_database(pg_server_url, name)
