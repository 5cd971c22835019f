"""One fleet for all end-to-end tests: its own ports, databases and broker namespace, beside `make run`."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "deploy" / "local"))
from fleet import AMQP, PG, SERVICES, Fleet  # noqa: E402
from vitrine_kit.testing.infra import delete_namespace  # noqa: E402

PORT_OFFSET = 100
# Catalog, media and the marketplaces eBay and Vinted run on two databases: their home database and "b"
# (tests-e2e/test_shards.py); the others on one, to stay within the local PostgreSQL's 100 connections,
# which every worktree's tests share. VITRINE_E2E_SHARDS="" runs every service on one database.
SHARDS = tuple(s for s in os.environ.get("VITRINE_E2E_SHARDS", "b").split(",") if s)
SHARDED = frozenset({"catalog-service", "media-service", "marketplace-ebay", "marketplace-vinted"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The test timeout bounds each test's body: the one fleet start (minutes on a loaded machine) is not
    charged to whichever test happens to ask for the fleet first."""
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here) and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(func_only=True))


def _drop_databases(suffix: str) -> None:
    import asyncio

    async def drop() -> None:
        conn = await asyncpg.connect(PG.replace("postgresql+asyncpg://", "postgresql://") + "/postgres")
        try:
            for service in SERVICES:
                if service.database:
                    for name in (
                        f"{service.database}{suffix}",
                        *(f"{service.database}{suffix}_{s}" for s in SHARDS),
                    ):
                        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(drop())


@pytest.fixture(scope="session")
def fleet() -> Iterator[Fleet]:
    run = uuid.uuid4().hex[:8]
    traces = tempfile.mkdtemp(prefix=f"vitrine-e2e-{run}-traces-")
    fleet = Fleet(
        port_offset=PORT_OFFSET,
        db_suffix=f"_e2e_{run}",
        namespace=f"e2e.{run}.",
        shards=SHARDS,
        shard_services=SHARDED,
        extra_env={
            # Many registrations from one IP in a few seconds: the e2e run lifts the per-IP signup limits.
            "GATEWAY_RATE_LIMITS": '[{"name":"ip","key":"ip","rate_per_s":1000,"burst":5000}]',
            "GATEWAY_RATE_LIMIT_KEY_PREFIX": f"vitrine:rl:e2e-{run}:",
            "AUTH_ARGON2_MEMORY_KIB": "8192",
            "AUTH_ARGON2_TIME_COST": "1",
            "VITRINE_LOG_JSON": "true",
            # Nine services, their outbox relays (one per database) and a tenant move share the local
            # PostgreSQL's 100 connections: pools kept small (4 kept open, up to 12 at a peak) per service.
            **{f"{s.env_prefix}DB_POOL_SIZE": "4" for s in SERVICES if s.database},
            **{f"{s.env_prefix}DB_MAX_OVERFLOW": "8" for s in SERVICES if s.database},
            # Etsy sales reach catalog within seconds of the next receipt poll.
            "ETSY_RECEIPT_POLL_INTERVAL_S": "2",
            # eBay after-sale cases (cancellations, returns, disputes) reach the action list within seconds.
            "EBAY_AFTER_SALE_INTERVAL_S": "2",
            # Half the free plan's monthly credits: the AI flow spends them all in two analyses.
            "AI_ANALYSIS_PRICE_CREDITS": "5",
            # Every process writes its spans to <dir>/<service>.jsonl (tests-e2e/test_tracing.py reads them).
            "VITRINE_TRACES_DIR": traces,
            "OTEL_BSP_SCHEDULE_DELAY": "200",
        },
    )
    try:
        started = time.monotonic()
        fleet.prepare()
        prepared = time.monotonic()
        # The flows connect eBay, Etsy and Vinted for one seller; the limit is shown on starter.
        fleet.plan_marketplaces("free", 3)
        fleet.start()
        state = fleet.wait_ready(timeout=90)
        assert all(state.values()), f"fleet not ready: {state}; logs in {fleet.log_dir}"
        print(
            f"\nfleet: databases prepared in {prepared - started:.1f} s, ready {time.monotonic() - started:.1f} s "
            f"after start ({1 + len(SHARDS)} database(s) for {', '.join(sorted(SHARDED)) if SHARDS else 'none'})"
        )
        yield fleet
    finally:
        fleet.stop()
        _drop_databases(fleet.db_suffix)
        delete_namespace(fleet.namespace, AMQP)
        shutil.rmtree(traces, ignore_errors=True)
        shutil.rmtree(fleet.media_dir(), ignore_errors=True)


@pytest.fixture(scope="session")
def gateway_url(fleet: Fleet) -> str:
    return fleet.url("gateway")


@pytest.fixture
def api(gateway_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gateway_url, timeout=30) as client:
        yield client


PASSWORD = "correct horse battery"


@pytest.fixture
def seller_auth(api: httpx.Client) -> dict[str, str]:
    """A newly registered seller (its own tenant): the Authorization header of its access token."""
    email = f"seller-{uuid.uuid4().hex[:10]}@example.com"
    registered = api.post("/api/auth/register", json={"email": email, "password": PASSWORD})
    assert registered.status_code == 201, registered.text
    login = api.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}
