"""The command line every service shares: ``serve``, ``migrate``, ``create-db``, and a service's own."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import uvicorn

from vitrine_kit.db.migrations import MigrationTrees, migrate_all
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
    sub.add_parser("create-db", help="create the service database if missing")
    for name, command in (commands or {}).items():
        command.arguments(sub.add_parser(name, help=command.help))
    args = parser.parse_args(argv)
    settings = settings_factory()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    log = logging.getLogger("vitrine.cli")
    url = settings.database_url.get_secret_value()
    if commands and args.command in commands:
        return asyncio.run(commands[args.command].run(settings, args))
    if args.command == "create-db":
        created = asyncio.run(ensure_database(url))
        log.info("database %s", "created" if created else "exists")
        return 0
    if args.command == "migrate":
        if service_dir is None:
            log.info("no database migrations for this service")
            return 0
        asyncio.run(ensure_database(url))
        report = asyncio.run(
            migrate_all(
                url,
                MigrationTrees.in_dir(service_dir),
                concurrency=args.concurrency or settings.tenant_migration_concurrency,
            )
        )
        log.info(
            "migrated",
            extra={
                "tenants": report.total,
                "upgraded": len(report.upgraded),
                "at_head": report.already_at_head,
                "failed": len(report.failed),
                "seconds": round(report.seconds, 2),
            },
        )
        for schema, error in report.failed.items():
            log.error("tenant schema failed to migrate", extra={"schema": schema, "error": error})
        return 1 if report.failed else 0
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
