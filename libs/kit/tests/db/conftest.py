"""The fixture service on two databases (home and ``b``), and tenants placed on the one a test names."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest_asyncio
from fixture_service.app import SERVICE_DIR
from vitrine_kit.db.engine import Database
from vitrine_kit.db.migrations import MigrationTrees
from vitrine_kit.db.shards import HOME
from vitrine_kit.db.tenancy import TenantRegistry

TREES = MigrationTrees.in_dir(SERVICE_DIR)


@pytest_asyncio.fixture
async def shard_urls(service_database: Any) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:8]
    home = await service_database(f"shome{suffix}", SERVICE_DIR)
    b = await service_database(f"sb{suffix}", SERVICE_DIR)
    return {HOME: home, "b": b}


@pytest_asyncio.fixture
async def db(shard_urls: dict[str, str]) -> AsyncIterator[Database]:
    database = Database(shard_urls[HOME], shards=shard_urls, shard_cache_ttl_s=0.2, pool_size=4)
    yield database
    await database.dispose()


@pytest_asyncio.fixture
async def placed_on(db: Database) -> Callable[[str], Awaitable[uuid.UUID]]:
    """``await placed_on("b")``: a new tenant that ``db`` placed on that database, provisioned there."""
    registry = TenantRegistry(db, TREES.tenant)

    async def place(shard: str) -> uuid.UUID:
        while True:
            tenant = uuid.uuid4()
            if (await db.shard_map.shard_of(tenant, place=True)) == shard:
                await registry.provision(tenant)
                return tenant

    return place
