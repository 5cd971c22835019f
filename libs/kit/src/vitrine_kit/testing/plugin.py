"""pytest plugin (loaded with ``-p vitrine_kit.testing.plugin``).

Fixtures: the machine's PostgreSQL and RabbitMQ (or testcontainers), a per-run broker namespace and
database-name suffix (per xdist worker), ``service_database`` to build a service database with its real
migrations, and ``test_keys`` to sign tokens.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from vitrine_kit.db.migrations import MigrationTrees
from vitrine_kit.testing import infra
from vitrine_kit.testing.tokens import TestKeys


def pytest_configure(config: pytest.Config) -> None:
    """Declare the kit's markers."""
    config.addinivalue_line(
        "markers", "unit: a fast test that needs no broker and no database (`make unit-fast` runs these)"
    )


@pytest.fixture(scope="session")
def worker_id_suffix() -> str:
    """The xdist worker running the tests (``gw`` when not distributed)."""
    return os.environ.get("PYTEST_XDIST_WORKER", "gw")


@pytest.fixture(scope="session")
def run_id(worker_id_suffix: str) -> str:
    """Unique per test run and xdist worker: names of databases, exchanges and queues carry it."""
    return f"{uuid.uuid4().hex[:8]}_{worker_id_suffix}"


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """The URL of the PostgreSQL server the tests use, for the whole session."""
    with infra.postgres_url() as url:
        yield url


@pytest.fixture(scope="session")
def amqp_url() -> Iterator[str]:
    """The URL of the RabbitMQ server the tests use, for the whole session."""
    with infra.amqp_url() as url:
        yield url


@pytest.fixture(scope="session")
def broker_namespace(run_id: str, amqp_url: str) -> Iterator[str]:
    """Prefix for every exchange and queue of this run: runs never see each other's messages."""
    namespace = f"test.{run_id}."
    yield namespace
    infra.delete_namespace(namespace, amqp_url)


ServiceDatabase = Callable[[str, Path], Awaitable[str]]


@pytest_asyncio.fixture(scope="session")
async def service_database(pg_server_url: str, run_id: str) -> AsyncIterator[ServiceDatabase]:
    """Factory: ``await service_database("catalog", service_dir)`` → URL of a freshly migrated database."""
    created: list[str] = []

    async def make(service: str, service_dir: Path) -> str:
        name = f"test_{service}_{run_id}".lower().replace("-", "_")
        url = await infra.migrated_database(pg_server_url, name, MigrationTrees.in_dir(service_dir))
        created.append(name)
        return url

    yield make
    if os.environ.get("VITRINE_KEEP_TEST_DB") != "1":
        for name in created:
            await infra.drop_database(pg_server_url, name)


@pytest.fixture(scope="session")
def test_keys() -> TestKeys:
    """A signing key whose tokens ``test_keys.verifier()`` accepts."""
    return TestKeys()


@pytest.fixture
def tenant_id() -> uuid.UUID:
    """A new tenant id for each test."""
    return uuid.uuid4()
