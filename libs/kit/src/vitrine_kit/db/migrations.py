"""Alembic, run programmatically: the kit tree and the service's ``shared`` tree, then every tenant schema.

Each tenant schema records its own revision in its own ``alembic_version`` table. Alembic keeps the
running migration in module globals (``alembic.op``), so one process migrates one schema at a time;
"several at a time" means several worker processes, each with its share of the schemas.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool
from sqlalchemy.schema import CreateSchema

from vitrine_kit.db import colocated
from vitrine_kit.db.base import COLOCATED_SCHEMA, SHARED_SCHEMA, TEMPLATE_SCHEMA, utcnow
from vitrine_kit.db.models import Tenant, TenantStatus

logger = logging.getLogger(__name__)
KIT_TREE = Path(__file__).with_name("kit_migrations")
KIT_VERSION_TABLE = "kit_alembic_version"
VERSION_TABLE = "alembic_version"


@dataclass(frozen=True)
class MigrationTrees:
    """Where a service keeps its two Alembic trees (``migrations/shared`` and ``migrations/tenant``)."""

    shared: Path
    tenant: Path

    @classmethod
    def in_dir(cls, service_dir: Path) -> MigrationTrees:
        return cls(shared=service_dir / "migrations" / "shared", tenant=service_dir / "migrations" / "tenant")


@dataclass
class MigrationReport:
    """What ``migrate_all`` did, for the CLI and the benchmark."""

    total: int = 0
    already_at_head: int = 0
    upgraded: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    # ``colocated`` rows carried here from a database that is not their tenant's (vitrine_kit.db.colocated)
    colocated_received: int = 0


def target_schema() -> str:
    """In a migration script: the schema being migrated (pass it as ``schema=`` to every op)."""
    from alembic import op

    schema = op.get_context().version_table_schema
    assert isinstance(schema, str)
    return schema


def move_to_colocated(*tables: str) -> None:
    """In a ``shared`` tree's upgrade: move ``tables`` (in that order) from ``shared`` to schema ``colocated``
    (``vitrine_kit.db.colocated``), each leaving a view under its old name. Its rows stay where they are;
    ``migrate`` carries those of tenants on other databases there afterwards."""
    from alembic import op

    # Table names from the migration's own code: no value of a user reaches the text.
    op.execute(f"CREATE SCHEMA IF NOT EXISTS {COLOCATED_SCHEMA}")
    for table in tables:
        op.execute(f"ALTER TABLE {SHARED_SCHEMA}.{table} SET SCHEMA {COLOCATED_SCHEMA}")
        # Processes still running the previous code go on working through the old name until replaced.
        op.execute(f"CREATE VIEW {SHARED_SCHEMA}.{table} AS SELECT * FROM {COLOCATED_SCHEMA}.{table}")  # noqa: S608


def move_back_to_shared(*tables: str) -> None:
    """In the downgrade: undo ``move_to_colocated`` (drop each view, move each table back to ``shared``)."""
    from alembic import op

    for table in tables:
        op.execute(f"DROP VIEW IF EXISTS {SHARED_SCHEMA}.{table}")
        op.execute(f"ALTER TABLE {COLOCATED_SCHEMA}.{table} SET SCHEMA {SHARED_SCHEMA}")


def _config(location: str) -> tuple[Config, ScriptDirectory]:
    versions = Path(location) / "versions"
    # Keyed by the revision files too: a new revision on disk is seen without a restart.
    files = (
        tuple(sorted((p.name, p.stat().st_mtime_ns) for p in versions.glob("*.py")))
        if versions.exists()
        else ()
    )
    return _load_config(location, files)


@functools.lru_cache(maxsize=64)
def _load_config(location: str, _files: tuple[tuple[str, int], ...]) -> tuple[Config, ScriptDirectory]:
    cfg = Config()
    cfg.set_main_option("script_location", location)
    return cfg, ScriptDirectory.from_config(cfg)


def _script(location: str) -> ScriptDirectory:
    return _config(location)[1]


def head_of(tree: Path) -> str | None:
    """The head revision of a tree (``None`` when it has no revision yet)."""
    return _script(str(tree)).get_current_head()


def _upgrade(conn: Connection, tree: Path, version_table: str, schema: str) -> str | None:
    cfg, script = _config(str(tree))

    def do_upgrade(rev: Any, context: Any) -> Any:
        return script._upgrade_revs("head", rev)

    conn = conn.execution_options(schema_translate_map={None: schema})
    with EnvironmentContext(cfg, script, fn=do_upgrade, destination_rev="head") as env:
        env.configure(
            connection=conn,
            version_table=version_table,
            version_table_schema=schema,
            transactional_ddl=True,
            target_metadata=None,
        )
        with env.begin_transaction():
            env.run_migrations()
    return MigrationContext.configure(
        conn, opts={"version_table": version_table, "version_table_schema": schema}
    ).get_current_revision()


def upgrade_shared_sync(conn: Connection, trees: MigrationTrees) -> None:
    """Create ``shared`` (and ``colocated``) and bring the kit's tables and the service's shared tables to head."""
    conn.execute(CreateSchema(SHARED_SCHEMA, if_not_exists=True))
    conn.execute(CreateSchema(COLOCATED_SCHEMA, if_not_exists=True))
    _upgrade(conn, KIT_TREE, KIT_VERSION_TABLE, SHARED_SCHEMA)
    _upgrade(conn, trees.shared, VERSION_TABLE, SHARED_SCHEMA)


def upgrade_tenant_sync(conn: Connection, tree: Path, schema: str) -> str | None:
    """Create the schema if needed and bring it to the tenant tree's head; returns its revision."""
    conn.execute(CreateSchema(schema, if_not_exists=True))
    return _upgrade(conn, tree, VERSION_TABLE, schema)


async def current_revisions(conn: AsyncConnection, schemas: Sequence[str]) -> dict[str, str | None]:
    """Each schema's own recorded revision (``None`` where the schema or its version table is missing)."""
    found = set(
        (
            await conn.execute(
                sa.select(sa.column("table_schema", sa.String))
                .select_from(sa.table("tables", schema="information_schema"))
                .where(sa.column("table_name", sa.String) == VERSION_TABLE)
                .where(sa.column("table_schema", sa.String).in_(list(schemas)))
            )
        ).scalars()
    )
    out: dict[str, str | None] = dict.fromkeys(schemas)
    present = [s for s in schemas if s in found]
    for start in range(0, len(present), 500):
        chunk = present[start : start + 500]
        parts = [
            sa.select(sa.literal(s).label("schema"), sa.column("version_num", sa.String)).select_from(
                sa.table(VERSION_TABLE, sa.column("version_num"), schema=s)
            )
            for s in chunk
        ]
        for schema, rev in (await conn.execute(sa.union_all(*parts))).all():
            out[schema] = rev
    return out


async def _record(conn: AsyncConnection, schema: str, revision: str | None, error: str | None) -> None:
    values: dict[str, Any] = {"last_error": error}
    if error is None:
        values |= {"revision": revision, "migrated_at": utcnow()}
    await conn.execute(sa.update(Tenant).where(Tenant.schema_name == schema).values(**values))


async def _migrate_schemas(
    url: str, tenant_tree: str, schemas: list[str]
) -> list[tuple[str, str | None, str | None]]:
    engine = create_async_engine(url, poolclass=NullPool)
    results: list[tuple[str, str | None, str | None]] = []
    try:
        async with engine.connect() as conn:
            for schema in schemas:
                try:
                    async with conn.begin():
                        rev = await conn.run_sync(upgrade_tenant_sync, Path(tenant_tree), schema)
                        await _record(conn, schema, rev, None)
                    results.append((schema, rev, None))
                except Exception as exc:  # one schema's failure must not stop the others
                    logger.exception("tenant migration failed", extra={"schema": schema})
                    async with conn.begin():
                        await _record(conn, schema, None, f"{type(exc).__name__}: {exc}"[:2000])
                    results.append((schema, None, f"{type(exc).__name__}: {exc}"))
    finally:
        await engine.dispose()
    return results


def _migrate_schemas_process(
    url: str, tenant_tree: str, schemas: list[str]
) -> list[tuple[str, str | None, str | None]]:
    return asyncio.run(_migrate_schemas(url, tenant_tree, schemas))


async def migrate_all(
    url: str, trees: MigrationTrees, *, concurrency: int = 4, only: Iterable[str] | None = None
) -> MigrationReport:
    """Upgrade ``shared``, then ``template_tenant`` and every active tenant schema not at head.

    Resumable: a schema is committed on its own, so a rerun after a failure starts where it stopped.
    """
    started = time.perf_counter()
    report = MigrationReport()
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(upgrade_shared_sync, trees)
        async with engine.begin() as conn:
            await conn.run_sync(upgrade_tenant_sync, trees.tenant, TEMPLATE_SCHEMA)
            rows = await conn.execute(
                sa.select(Tenant.schema_name).where(Tenant.status == TenantStatus.ACTIVE)
            )
            schemas = list(rows.scalars())
            if only is not None:
                wanted = set(only)
                schemas = [s for s in schemas if s in wanted]
            revisions = await current_revisions(conn, schemas)
    finally:
        await engine.dispose()
    head = head_of(trees.tenant)
    report.total = len(schemas)
    behind = [s for s in schemas if revisions.get(s) != head]
    report.already_at_head = report.total - len(behind)
    if behind:
        workers = max(1, min(concurrency, len(behind) // 25 or 1))
        if workers == 1:
            results = await _migrate_schemas(url, str(trees.tenant), behind)
        else:
            chunks = [behind[i::workers] for i in range(workers)]
            loop = asyncio.get_running_loop()
            with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
                parts = await asyncio.gather(
                    *(
                        loop.run_in_executor(pool, _migrate_schemas_process, url, str(trees.tenant), chunk)
                        for chunk in chunks
                    )
                )
            results = [r for part in parts for r in part]
        for schema, _rev, error in results:
            if error is None:
                report.upgraded.append(schema)
            else:
                report.failed[schema] = error
    report.seconds = time.perf_counter() - started
    return report


async def migrate_databases(
    urls: dict[str, str], trees: MigrationTrees, *, concurrency: int = 4
) -> dict[str, MigrationReport]:
    """``migrate_all`` on each database of a service (home first), one after the other; then the
    ``colocated`` rows found on a database that is not their tenant's are carried to it."""
    reports = {name: await migrate_all(url, trees, concurrency=concurrency) for name, url in urls.items()}
    for name, received in (await colocated.settle(urls)).items():
        reports[name].colocated_received = received
    return reports
