"""ct0009 on a tenant with publications made before sites: eBay ones take the configured site, and the
downgrade puts the one-per-marketplace constraint back."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
from catalog_service.main import SERVICE_DIR
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.schema import CreateSchema, DropSchema

TREE = SERVICE_DIR / "migrations" / "tenant"


def _migrate(conn: Any, schema: str, target: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(TREE))
    script = ScriptDirectory.from_config(cfg)

    def step(rev: Any, _: Any) -> Any:
        current = rev[0] if isinstance(rev, tuple) and rev else rev
        if script.get_revision(target).revision in {current}:
            return []
        ups = script._upgrade_revs(target, rev)
        return ups if ups else script._downgrade_revs(target, rev)

    conn = conn.execution_options(schema_translate_map={None: schema})
    with EnvironmentContext(cfg, script, fn=step, destination_rev=target) as env:
        env.configure(connection=conn, version_table_schema=schema, transactional_ddl=True)
        with env.begin_transaction():
            env.run_migrations()


async def test_upgrade_keeps_old_publications_and_downgrade_restores_the_constraint(catalog_db: str) -> None:
    schema = f"mig_{uuid.uuid4().hex[:10]}"
    engine = create_async_engine(catalog_db)
    product = uuid.uuid4()
    try:
        async with engine.begin() as conn:
            await conn.execute(CreateSchema(schema))
            await conn.run_sync(_migrate, schema, "ct0008")
            await conn.execute(
                sa.text(
                    f'INSERT INTO "{schema}".products (id, version, status, sku, title, description, price, '
                    "currency, stock_quantity, colours, materials, measurements_cm, attributes, flaws, notes, "
                    "images, created_at, updated_at) VALUES (:id, 1, 'listed', 'S1', 't', 'd', 10, 'EUR', 1, "
                    "'{}', '[]', '{}', '{}', '{}', '', '[]', now(), now())"
                ),
                {"id": product},
            )
            for marketplace in ("ebay", "vinted"):
                await conn.execute(
                    sa.text(
                        f'INSERT INTO "{schema}".publications (id, product_id, marketplace, status, attempt, '
                        "requested_at, updated_at) VALUES (:id, :p, :m, 'listed', 1, now(), now())"
                    ),
                    {"id": uuid.uuid4(), "p": product, "m": marketplace},
                )
            await conn.run_sync(_migrate, schema, "ct0009")
            rows = (
                await conn.execute(
                    sa.text(f'SELECT marketplace, site FROM "{schema}".publications ORDER BY 1')
                )
            ).all()
            assert [tuple(r) for r in rows] == [("ebay", "EBAY_FR"), ("vinted", "")]
            # A second eBay site fits now.
            await conn.execute(
                sa.text(
                    f'INSERT INTO "{schema}".publications (id, product_id, marketplace, site, status, attempt, '
                    "requested_at, updated_at) VALUES (:id, :p, 'ebay', 'EBAY_GB', 'pending', 1, now(), now())"
                ),
                {"id": uuid.uuid4(), "p": product},
            )
            await conn.run_sync(_migrate, schema, "ct0008")
            rows = (
                await conn.execute(sa.text(f'SELECT marketplace FROM "{schema}".publications ORDER BY 1'))
            ).all()
            assert [r[0] for r in rows] == ["ebay", "vinted"]  # one eBay publication kept
            constraints = (
                (
                    await conn.execute(
                        sa.text(
                            "SELECT conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
                            "WHERE n.nspname = :s AND conrelid::regclass::text LIKE '%publications'"
                        ),
                        {"s": schema},
                    )
                )
                .scalars()
                .all()
            )
            assert "uq_publications_product_id" in constraints
            assert "uq_publications_site" not in constraints
    finally:
        async with engine.begin() as conn:
            await conn.execute(DropSchema(schema, cascade=True, if_exists=True))
        await engine.dispose()


def _drift(sync_conn: Any, metadata: sa.MetaData, schema: str, tables: set[str]) -> list[Any]:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    copy = sa.MetaData()
    for table in metadata.tables.values():
        if table.name in tables:
            table.to_metadata(copy, schema=schema)
    context = MigrationContext.configure(
        sync_conn,
        opts={
            "include_schemas": True,
            "compare_type": False,
            "include_name": lambda name, kind, _: kind != "schema" or name == schema,
            "include_object": lambda obj, name, kind, *_: (
                kind not in {"table", "index", "unique_constraint"}
                or (kind == "table" and name in tables)
                or (kind != "table" and obj.table.name in tables)
            ),
        },
    )
    return [d for d in compare_metadata(context, copy) if d[0] not in {"add_index", "remove_index"}]


async def test_the_new_tables_are_what_the_models_say(catalog_db: str) -> None:
    from catalog_service.models import SharedBase, TenantBase
    from vitrine_kit.db.base import SHARED_SCHEMA, TEMPLATE_SCHEMA

    engine = create_async_engine(catalog_db)
    try:
        async with engine.connect() as conn:
            tenant = {"price_rules", "exchange_rate_overrides", "publish_defaults", "marketplace_accounts"}
            assert await conn.run_sync(_drift, TenantBase.metadata, TEMPLATE_SCHEMA, tenant) == []
            assert await conn.run_sync(_drift, SharedBase.metadata, SHARED_SCHEMA, {"exchange_rates"}) == []
    finally:
        await engine.dispose()
