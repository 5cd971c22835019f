from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from marketplace_etsy.models import SharedBase, TenantBase
from sqlalchemy.ext.asyncio import create_async_engine
from vitrine_kit.db.base import COLOCATED_SCHEMA, SHARED_SCHEMA, TEMPLATE_SCHEMA


def _in_schema(metadata: sa.MetaData, schema: str) -> sa.MetaData:
    copy = sa.MetaData()
    for table in metadata.tables.values():
        table.to_metadata(copy, schema=schema)
    return copy


def _meaningful(diffs: list[Any]) -> list[Any]:
    """The differences left once indexes and unique constraints named differently (same table, same
    columns: the naming convention labels columns with their schema) cancel out."""
    added: list[tuple[str, str, tuple[str, ...]]] = []
    removed: list[tuple[str, str, tuple[str, ...]]] = []
    rest: list[Any] = []
    for diff in diffs:
        op = diff[0]
        if op in {"add_index", "remove_index", "add_constraint", "remove_constraint"}:
            obj = diff[1]
            key = (obj.table.name, type(obj).__name__, tuple(c.name for c in obj.columns))
            (added if op.startswith("add") else removed).append(key)
        else:
            rest.append(diff)
    return rest + sorted(set(added) ^ set(removed))


async def _drift(url: str, metadata: sa.MetaData, *schemas: str) -> list[Any]:
    tables = {t.name for t in metadata.tables.values()}
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:

            def diff(sync_conn: Any) -> list[Any]:
                context = MigrationContext.configure(
                    sync_conn,
                    opts={
                        "include_schemas": True,
                        "compare_type": False,
                        "include_name": lambda name, kind, _: kind != "schema" or name in schemas,
                        "include_object": lambda obj, name, kind, *_: kind != "table" or name in tables,
                    },
                )
                return _meaningful(list(compare_metadata(context, metadata)))

            return await conn.run_sync(diff)
    finally:
        await engine.dispose()


class TestMigrations:
    async def test_the_shared_tables_are_what_the_models_say(self, etsy_db: str) -> None:
        assert await _drift(etsy_db, SharedBase.metadata, SHARED_SCHEMA, COLOCATED_SCHEMA) == []

    async def test_the_tenant_tables_are_what_the_models_say(self, etsy_db: str) -> None:
        metadata = _in_schema(TenantBase.metadata, TEMPLATE_SCHEMA)
        assert await _drift(etsy_db, metadata, TEMPLATE_SCHEMA) == []
