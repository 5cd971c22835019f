"""Tenant migrations benchmark: time to migrate N tenant schemas (fresh, nothing to apply, one added column).

Goals at 1,000 schemas: under 60 s with nothing to apply, under 10 minutes with one added column.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import uuid
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import PG, db_name, fixture_trees, scratch_dir, table
from vitrine_kit.db.engine import schema_for
from vitrine_kit.db.migrations import MigrationTrees, migrate_all
from vitrine_kit.db.models import Tenant
from vitrine_kit.testing import infra

ADD_COLUMN = '''"""add colour to markers

Revision ID: t0002
Revises: t0001
"""
import sqlalchemy as sa
from alembic import op

from vitrine_kit.db.migrations import target_schema

revision = "t0002"
down_revision = "t0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("markers", sa.Column("colour", sa.String(20)), schema=target_schema())


def downgrade() -> None:
    op.drop_column("markers", "colour", schema=target_schema())
'''


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    service_dir = fixture_trees(scratch_dir())
    trees = MigrationTrees.in_dir(service_dir)
    name = db_name("migrations")
    url = await infra.migrated_database(PG, name, trees)
    rows = []
    try:
        engine = create_async_engine(url)
        tenants = [uuid.uuid4() for _ in range(args.tenants)]
        async with engine.begin() as conn:
            await conn.execute(sa.insert(Tenant), [{"id": t, "schema_name": schema_for(t)} for t in tenants])
        await engine.dispose()
        for label, prepare in (
            ("create every schema (2 tables each)", None),
            ("nothing to apply", None),
            (
                "one added column",
                lambda: (trees.tenant / "versions" / "0002_colour.py").write_text(ADD_COLUMN),
            ),
            ("nothing to apply (after the column)", None),
        ):
            if prepare:
                prepare()
            report = await migrate_all(url, trees, concurrency=args.concurrency)
            assert not report.failed, report.failed
            rows.append(
                [
                    label,
                    report.total,
                    len(report.upgraded),
                    f"{report.seconds:.1f}",
                    f"{report.seconds / max(1, report.total) * 1000:.1f}",
                ]
            )
    finally:
        await infra.drop_database(PG, name)
    print(f"\nTenant migrations: {args.tenants} schemas, {args.concurrency} worker processes")
    print(table(["run", "schemas", "upgraded", "seconds", "ms / schema"], rows))
    noop, column = float(rows[1][3]), float(rows[2][3])
    print(
        f"goal nothing-to-apply < 60 s: {'met' if noop < 60 else 'NOT met'}; "
        f"goal one column < 600 s: {'met' if column < 600 else 'NOT met'}"
    )


if __name__ == "__main__":
    asyncio.run(main())
