"""The command line every service shares: ``serve``, ``migrate``, ``create-db``, and a service's own."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import uuid
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import uvicorn

from vitrine_kit.db.engine import database_from_settings
from vitrine_kit.db.migrations import MigrationTrees, migrate_databases
from vitrine_kit.db.move import MoveFailed, MoveRefused, move_tenant
from vitrine_kit.db.shards import parse_shards
from vitrine_kit.logging import configure_logging
from vitrine_kit.settings import BaseServiceSettings


async def ensure_database(url: str) -> bool:
    """Create the service's database if it does not exist; returns whether it was created."""
    dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    base, _, name = dsn.rpartition("/")
    name = name.split("?", 1)[0]
    conn = await asyncpg.connect(f"{base}/postgres", timeout=10)
    try:
        if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return False
        quoted = '"' + name.replace('"', '""') + '"'
        await conn.execute(f"CREATE DATABASE {quoted}")
        return True
    finally:
        await conn.close()


async def _move(
    settings: BaseServiceSettings, service_dir: Path, tenant_id: uuid.UUID, shard: str, settle_s: float | None
) -> int:
    db = database_from_settings(settings, pool_size=2, max_overflow=0)
    try:
        report = await move_tenant(
            db, MigrationTrees.in_dir(service_dir).tenant, tenant_id, shard, settle_s=settle_s
        )
    except (MoveRefused, MoveFailed) as exc:
        print(f"move-tenant: {exc}", file=sys.stderr)
        return 2
    finally:
        await db.dispose()
    print(
        json.dumps(
            {
                "tenant": str(tenant_id),
                "source": report.source,
                "target": report.target,
                "outcome": report.outcome,
                "rows": report.rows,
                "outbox": report.outbox,
                "inbox": report.inbox,
                "idempotency_keys": report.idempotency,
                "colocated": report.colocated,
                "paused_s": round(report.paused_s, 3),
                "copy_s": round(report.copy_s, 3),
                "seconds": round(report.seconds, 3),
            }
        )
    )
    return 0


async def _shards(settings: BaseServiceSettings) -> int:
    db = database_from_settings(settings, pool_size=1, max_overflow=0)
    try:
        counts = await db.shard_map.counts() if db.sharded else {}
    finally:
        await db.dispose()
    print(json.dumps({"databases": list(db.urls), "tenants": counts}))
    return 0


@dataclass(frozen=True)
class Command:
    """A service's own command: its help, its arguments, and what it runs with the settings and arguments."""

    help: str
    run: Callable[[Any, argparse.Namespace], Coroutine[Any, Any, int]]
    arguments: Callable[[argparse.ArgumentParser], object] = lambda parser: None


def service_cli(
    settings_factory: Callable[[], BaseServiceSettings],
    app_path: str,
    service_dir: Path | None,
    argv: Sequence[str] | None = None,
    commands: Mapping[str, Command] | None = None,
) -> int:
    """Parse ``argv`` and run the chosen command for one service."""
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the service (API and/or workers, per RUN_MODE)")
    serve.add_argument("--reload", action="store_true")
    migrate = sub.add_parser("migrate", help="upgrade shared, then every tenant schema")
    migrate.add_argument("--concurrency", type=int, default=None)
    sub.add_parser("create-db", help="create the service database (and its shards) if missing")
    if service_dir is not None:
        move = sub.add_parser("move-tenant", help="move one tenant's data to another database of the service")
        move.add_argument("tenant_id", type=uuid.UUID)
        move.add_argument("shard", help="the target database's name ('home' or a DATABASE_SHARDS name)")
        move.add_argument(
            "--settle-s", type=float, default=None, help="wait after marking (default: cache TTL + 1)"
        )
        sub.add_parser("shards", help="the service's databases and how many tenants each holds")
    for name, command in (commands or {}).items():
        command.arguments(sub.add_parser(name, help=command.help))
    args = parser.parse_args(argv)
    settings = settings_factory()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    log = logging.getLogger("vitrine.cli")
    url = settings.database_url.get_secret_value()
    if commands and args.command in commands:
        return asyncio.run(commands[args.command].run(settings, args))
    urls = parse_shards(settings.database_shards.get_secret_value(), url)
    if args.command == "create-db":
        for name, shard_url in urls.items():
            created = asyncio.run(ensure_database(shard_url))
            log.info("database %s %s", name, "created" if created else "exists")
        return 0
    if args.command == "migrate":
        if service_dir is None:
            log.info("no database migrations for this service")
            return 0
        for shard_url in urls.values():
            asyncio.run(ensure_database(shard_url))
        reports = asyncio.run(
            migrate_databases(
                urls,
                MigrationTrees.in_dir(service_dir),
                concurrency=args.concurrency or settings.tenant_migration_concurrency,
            )
        )
        failed = 0
        for name, report in reports.items():
            log.info(
                "migrated",
                extra={
                    "database": name,
                    "tenants": report.total,
                    "upgraded": len(report.upgraded),
                    "at_head": report.already_at_head,
                    "failed": len(report.failed),
                    "colocated_received": report.colocated_received,
                    "seconds": round(report.seconds, 2),
                },
            )
            for schema, error in report.failed.items():
                log.error(
                    "tenant schema failed to migrate",
                    extra={"database": name, "schema": schema, "error": error},
                )
            failed += len(report.failed)
        return 1 if failed else 0
    if args.command == "move-tenant" and service_dir is not None:
        return asyncio.run(_move(settings, service_dir, args.tenant_id, args.shard, args.settle_s))
    if args.command == "shards":
        return asyncio.run(_shards(settings))
    uvicorn.run(
        app_path,
        host=settings.host,
        port=settings.port,
        reload=args.reload,
        log_config=None,
        loop="uvloop",
        http="httptools",
        # The kit reads X-Forwarded-* itself (ForwardedHeadersMiddleware), from the same FORWARDED_ALLOW_IPS.
        proxy_headers=False,
        timeout_graceful_shutdown=15,
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use a service's own entry point")
