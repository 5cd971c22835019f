"""One reserve + commit at a time through billing-service: where an operation's time goes.

``uv run --frozen python bench/billing/profile_op.py [--ops 200] [--profile] [--top 25]`` (from the repo root;
needs PostgreSQL and RabbitMQ). Prints, one operation at a time (no queueing), the time per operation of
each layer: the bare UPDATE (asyncpg), the hold and commit statements alone (SQLAlchemy, their own
transactions, no HTTP), two ``GET /healthz`` through the app (the framework and middleware, no database),
and reserve + commit through the app; then the SQL statements per operation. ``--profile``: also cProfile's
top functions of the reserve + commit loop.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import pstats
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import asyncpg
import sqlalchemy as sa
from _common import AMQP, PG, db_name, median, percentile, table
from billing_service.config import Settings
from billing_service.credits import repository
from billing_service.main import create_app
from vitrine_contracts.billing_api import CREDITS_SCOPE, RESERVATIONS_PATH
from vitrine_kit.db.base import utcnow
from vitrine_kit.db.migrations import MigrationTrees
from vitrine_kit.testing import infra
from vitrine_kit.testing.app import running_app
from vitrine_kit.testing.helpers import settings_for_test
from vitrine_kit.testing.tokens import TestKeys

SERVICE_DIR = Path(__file__).resolve().parents[2] / "billing-service"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ops", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    name = db_name("billing_profile")
    url = await infra.migrated_database(PG, name, MigrationTrees.in_dir(SERVICE_DIR))
    keys = TestKeys()
    settings = settings_for_test(
        Settings, database_url=url, amqp_url=AMQP, broker_namespace=f"bench.{uuid.uuid4().hex[:6]}."
    )
    try:
        app = create_app(settings, verifier=keys.verifier())
        async with running_app(app) as (client, runtime):
            token = keys.issue(sub="ai-service", roles=(), scope=f"service {CREDITS_SCOPE}")
            service = {"Authorization": f"Bearer {token}"}
            tenant = uuid.uuid4()
            user = {"Authorization": f"Bearer {keys.issue(tenant_id=tenant)}"}
            assert (await client.get("/credits", headers=user)).status_code == 200
            async with runtime.db.session() as session:
                await session.execute(sa.text("UPDATE shared.balances SET purchased_left = 1000000000"))
                await session.commit()
            statements: Counter[str] = Counter()

            def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
                statements[" ".join(statement.split())[:90]] += 1

            async def op() -> None:
                key = f"bench-{uuid.uuid4().hex}"
                body = {"tenant_id": str(tenant), "amount": 1, "key": key, "reason": "bench"}
                held = await client.post(RESERVATIONS_PATH, json=body, headers=service)
                assert held.status_code == 201, held.text
                done = await client.post(f"{RESERVATIONS_PATH}/{key}/commit", headers=service)
                assert done.status_code == 200, done.text

            pool = await asyncpg.create_pool(
                url.replace("postgresql+asyncpg://", "postgresql://"), min_size=1, max_size=1
            )
            bare_sql = (
                "UPDATE shared.balances SET purchased_left = purchased_left - 1"
                " WHERE tenant_id = $1 AND purchased_left >= 1"
            )

            async def bare() -> None:
                assert await pool.execute(bare_sql, tenant) == "UPDATE 1"

            async def hold_and_commit() -> None:
                key, now = f"sql-{uuid.uuid4().hex}", utcnow()
                async with runtime.db.session() as session:
                    row = await repository.hold(
                        session,
                        tenant,
                        key=key,
                        amount=1,
                        reason="bench",
                        caller="bench",
                        now=now,
                        expires_at=now + timedelta(minutes=15),
                    )
                    assert row is not None
                    assert row.inserted
                    await session.commit()
                async with runtime.db.session() as session:
                    assert await repository.tenant_of_reservation(session, key) == tenant
                    assert await repository.commit_held(session, tenant, key, utcnow()) is not None
                    await session.commit()

            async def healthz() -> None:
                for _ in range(2):
                    assert (await client.get("/healthz")).status_code == 200

            layers = (
                ("bare UPDATE (asyncpg)", bare),
                ("hold + commit statements (SQLAlchemy, no HTTP)", hold_and_commit),
                ("2x GET /healthz through the app (no database)", healthz),
                ("reserve + commit through the app", op),
            )
            for _, step in layers:
                for _ in range(20):  # warm up
                    await step()
            # Round robin, so that the load of the machine falls on every layer alike.
            times: dict[str, list[float]] = {label: [] for label, _ in layers}
            for _ in range(args.ops):
                for label, step in layers:
                    started = time.perf_counter()
                    await step()
                    times[label].append(time.perf_counter() - started)
            rows = [
                [label, f"{median(t) * 1000:.2f}", f"{percentile(t, 90) * 1000:.2f}"]
                for label, t in times.items()
            ]
            await pool.close()
            print(f"{args.ops} operations one at a time, per operation")
            print(table(["what", "p50 ms", "p90 ms"], rows))

            sa.event.listen(runtime.db.engine.sync_engine, "before_cursor_execute", count)
            for _ in range(args.ops):
                await op()
            sa.event.remove(runtime.db.engine.sync_engine, "before_cursor_execute", count)
            print(f"SQL statements per reserve + commit: {sum(statements.values()) / args.ops:.1f}")
            for statement, n in statements.most_common():
                print(f"  {n / args.ops:4.1f}  {statement}")
            if args.profile:
                profile = cProfile.Profile()
                profile.enable()
                for _ in range(args.ops):
                    await op()
                profile.disable()
                pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)
                pstats.Stats(profile).sort_stats("tottime").print_stats(args.top)
    finally:
        await infra.drop_database(PG, name)


if __name__ == "__main__":
    asyncio.run(main())
