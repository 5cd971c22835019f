"""Finding PostgreSQL and RabbitMQ for tests: the machine's own, or containers where Docker runs."""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from collections.abc import Iterator
from urllib.parse import urlparse

import aio_pika
import asyncpg

from vitrine_kit.db.migrations import MigrationTrees, migrate_all

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/"


def port_open(url: str, default_port: int) -> bool:
    """Whether something listens at ``url``'s host and port (``default_port`` when it names none)."""
    parsed = urlparse(url.replace("+asyncpg", ""))
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1
        ):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def postgres_url() -> Iterator[str]:
    """``VITRINE_TEST_PG_URL`` or the machine's PostgreSQL; else a testcontainers one."""
    url = os.environ.get("VITRINE_TEST_PG_URL", DEFAULT_PG)
    if port_open(url, 5432):
        yield url
        return
    from testcontainers.postgres import PostgresContainer  # only where a Docker engine runs

    with PostgresContainer("postgres:16-alpine", driver="asyncpg") as pg:
        yield pg.get_connection_url()


@contextlib.contextmanager
def amqp_url() -> Iterator[str]:
    """``VITRINE_TEST_AMQP_URL`` or the machine's RabbitMQ; else a testcontainers one."""
    url = os.environ.get("VITRINE_TEST_AMQP_URL", DEFAULT_AMQP)
    if port_open(url, 5672):
        yield url
        return
    from testcontainers.rabbitmq import RabbitMqContainer

    with RabbitMqContainer("rabbitmq:3.13-alpine") as rmq:
        params = rmq.get_connection_params()
        yield f"amqp://guest:guest@{params.host}:{params.port}/"


def with_database(url: str, name: str) -> str:
    """``url`` pointing at the database ``name`` on the same server."""
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


async def create_database(server_url: str, name: str) -> str:
    """A new empty database ``name`` (dropped first if a crashed run left it); returns its URL."""
    dsn = server_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return with_database(server_url, name)


async def drop_database(server_url: str, name: str) -> None:
    """Drop the database ``name``, closing its connections; nothing happens when it is gone."""
    dsn = server_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def migrated_database(server_url: str, name: str, trees: MigrationTrees) -> str:
    """A fresh database built by the service's real migrations."""
    url = await create_database(server_url, name)
    report = await migrate_all(url, trees)
    assert not report.failed, report.failed
    return url


async def delete_queues(amqp: str, names: set[str], exchanges: set[str] | None = None) -> None:
    """Delete the queues (and exchanges) a test run declared in its namespace, ignoring those already gone."""
    if not (names or exchanges) or not amqp:
        return
    connection = await aio_pika.connect(amqp, timeout=5)
    async with connection:
        for name in sorted(names):
            channel = await connection.channel()
            with contextlib.suppress(Exception):
                await channel.queue_delete(name)
            with contextlib.suppress(Exception):
                await channel.close()
        for name in sorted(exchanges or ()):
            channel = await connection.channel()
            with contextlib.suppress(Exception):
                await channel.exchange_delete(name)
            with contextlib.suppress(Exception):
                await channel.close()


def run_namespace(worker: str) -> str:
    """A prefix of exchange and queue names unique to one test run and worker."""
    return f"test.{uuid.uuid4().hex[:8]}.{worker}."


def delete_namespace(prefix: str, amqp: str) -> None:
    """Delete every queue and exchange whose name starts with ``prefix`` (listed with ``rabbitmqctl``).

    The safety net at the end of a run: what a crashed or interrupted test could not delete itself.
    """
    import asyncio
    import shutil
    import subprocess

    ctl = shutil.which("rabbitmqctl")
    if not prefix or ctl is None:
        return

    def listed(what: str) -> set[str]:
        out = subprocess.run(  # noqa: S603 - fixed arguments
            [ctl, "-q", what, "name"], capture_output=True, text=True, timeout=60, check=True
        ).stdout.split()
        return {name for name in out if name.startswith(prefix)}

    with contextlib.suppress(Exception):
        queues, exchanges = listed("list_queues"), listed("list_exchanges")
        if queues or exchanges:
            asyncio.run(delete_queues(amqp, queues, exchanges))
