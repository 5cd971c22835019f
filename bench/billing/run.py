"""Credits ledger benchmark: reserve + commit through billing-service beside a bare conditional UPDATE.

billing-service runs in this process (its app on the ASGI transport, its own scratch database), called as
ai-service calls it: ``POST /internal/credits/reservations`` then ``…/{key}/commit`` with a service token.
The bare line is what a credit counter costs at least: ``UPDATE … SET balance = balance - 1 WHERE balance
>= 1`` on one row per tenant, through asyncpg, at the same concurrency. Prints one table: operations per
second and p50/p99 latency, with 1 tenant (every operation on one row) and with 100. Goal: the ledger within
2x of the bare UPDATE.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import sqlalchemy as sa
from _common import AMQP, PG, db_name, percentile, table
from billing_service.config import Settings
from billing_service.main import create_app
from vitrine_contracts.billing_api import CREDITS_SCOPE, RESERVATIONS_PATH
from vitrine_kit.db.migrations import MigrationTrees
from vitrine_kit.testing import infra
from vitrine_kit.testing.app import running_app
from vitrine_kit.testing.helpers import settings_for_test
from vitrine_kit.testing.tokens import TestKeys

SERVICE_DIR = Path(__file__).resolve().parents[2] / "billing-service"


async def run_ops(
    n: int, concurrency: int, op: Callable[[int], Awaitable[None]]
) -> tuple[float, list[float]]:
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)

    async def worker() -> None:
        while not queue.empty():
            i = queue.get_nowait()
            started = time.perf_counter()
            await op(i)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return n / (time.perf_counter() - started), latencies


async def bare(n: int, concurrency: int, tenants: int) -> tuple[float, list[float]]:
    name = db_name("billing_bare")
    url = await infra.create_database(PG, name)
    pool = await asyncpg.create_pool(
        url.replace("postgresql+asyncpg://", "postgresql://"), min_size=concurrency, max_size=concurrency
    )
    try:
        await pool.execute("CREATE TABLE balances (tenant_id uuid PRIMARY KEY, balance int NOT NULL)")
        ids = [uuid.uuid4() for _ in range(tenants)]
        await pool.executemany("INSERT INTO balances VALUES ($1, $2)", [(t, 10**9) for t in ids])
        spend = "UPDATE balances SET balance = balance - 1 WHERE tenant_id = $1 AND balance >= 1"

        async def op(i: int) -> None:
            assert await pool.execute(spend, ids[i % tenants]) == "UPDATE 1"

        return await run_ops(n, concurrency, op)
    finally:
        await pool.close()
        await infra.drop_database(PG, name)


async def ledger(n: int, concurrency: int, tenants: int) -> tuple[float, list[float]]:
    name = db_name("billing_ledger")
    url = await infra.migrated_database(PG, name, MigrationTrees.in_dir(SERVICE_DIR))
    keys = TestKeys()
    namespace = f"bench.{uuid.uuid4().hex[:6]}."
    settings = settings_for_test(
        Settings, database_url=url, amqp_url=AMQP, broker_namespace=namespace, db_pool_size=concurrency
    )
    try:
        app = create_app(settings, verifier=keys.verifier())
        async with running_app(app) as (client, runtime):
            token = keys.issue(sub="ai-service", roles=(), scope=f"service {CREDITS_SCOPE}")
            service = {"Authorization": f"Bearer {token}"}
            ids = [uuid.uuid4() for _ in range(tenants)]
            for tenant in ids:  # the account opens as after tenant.created; then plenty of credits
                user = {"Authorization": f"Bearer {keys.issue(tenant_id=tenant)}"}
                assert (await client.get("/credits", headers=user)).status_code == 200
            async with runtime.db.session() as session:
                await session.execute(sa.text("UPDATE shared.balances SET purchased_left = 1000000000"))
                await session.commit()

            async def op(i: int) -> None:
                key = f"bench-{uuid.uuid4().hex}"
                body = {"tenant_id": str(ids[i % tenants]), "amount": 1, "key": key, "reason": "bench"}
                held = await client.post(RESERVATIONS_PATH, json=body, headers=service)
                assert held.status_code == 201, held.text
                done = await client.post(f"{RESERVATIONS_PATH}/{key}/commit", headers=service)
                assert done.status_code == 200, done.text

            return await run_ops(n, concurrency, op)
    finally:
        await infra.drop_database(PG, name)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ops", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    rows = []
    for tenants in (1, 100):
        bare_rate, bare_lat = await bare(args.ops, args.concurrency, tenants)
        led_rate, led_lat = await ledger(args.ops, args.concurrency, tenants)
        for label, rate, lat in (("bare UPDATE", bare_rate, bare_lat), ("reserve+commit", led_rate, led_lat)):
            p50, p99 = percentile(lat, 50) * 1000, percentile(lat, 99) * 1000
            rows.append([tenants, label, f"{rate:,.0f}", f"{p50:.1f}", f"{p99:.1f}"])
        rows.append([tenants, "ratio (bare / ledger)", f"{bare_rate / led_rate:.1f}x", "", ""])
    print(f"{args.ops} operations, {args.concurrency} at a time")
    print(table(["tenants", "what", "ops/s", "p50 ms", "p99 ms"], rows))


if __name__ == "__main__":
    asyncio.run(main())
