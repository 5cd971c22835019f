from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from fixture_service.app import SERVICE_DIR
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
