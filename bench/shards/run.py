"""Past one database: placement, migrate across two databases, moving one tenant, routing cost, relations.

    uv run --frozen python bench/shards/run.py [--tenants 1000] [--rows 1000,10000,100000] [--catalog 20]

Two scratch databases (home and ``b``) built by the kit's fixture service (two tenant tables); N tenants
placed by the shard map and provisioned; ``migrate`` across both; one tenant with R rows (and 100 pending
events) moved home → b; 2,000 tenant-session reads, one database against two; and a scratch database with
catalog-service's real migrations: relations per tenant, migration time per tenant, catalog size.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import PG, ROOT, db_name, fixture_trees, median, scratch_dir, table
from fixture_service.app import Marker, Ping
from vitrine_kit.db.engine import Database, schema_for
from vitrine_kit.db.migrations import MigrationTrees, migrate_databases
from vitrine_kit.db.move import move_tenant
from vitrine_kit.db.shards import HOME
from vitrine_kit.db.tenancy import TenantRegistry
from vitrine_kit.events.outbox import Outbox
from vitrine_kit.testing import infra


async def catalog_sizes(n: int) -> list[list[object]]:
    """Relations of one catalog tenant, its provisioning time, and pg_class/pg_attribute growth."""
    trees = MigrationTrees.in_dir(ROOT / "catalog-service")
    name = db_name("catalog_shards")
    url = await infra.migrated_database(PG, name, trees)
    db = Database(url, pool_size=2)
    try:
        registry = TenantRegistry(db, trees.tenant)

        async def catalog_size() -> tuple[int, int, int]:
            async with db.engine.connect() as conn:
                row = (
                    await conn.execute(
                        sa.text(
                            "SELECT (SELECT count(*) FROM pg_class), pg_total_relation_size('pg_class') "
                            "+ pg_total_relation_size('pg_attribute') + pg_total_relation_size('pg_index') "
                            "+ pg_total_relation_size('pg_constraint') + pg_total_relation_size('pg_depend'), "
                            "(SELECT count(*) FROM pg_attribute)"
                        )
                    )
                ).one()
            return int(row[0]), int(row[1]), int(row[2])

        before = await catalog_size()
        times = []
        tenants = [uuid.uuid4() for _ in range(n)]
        for t in tenants:
            started = time.perf_counter()
            await registry.provision(t)
            times.append(time.perf_counter() - started)
        after = await catalog_size()
        async with db.engine.connect() as conn:
            kinds = (
                await conn.execute(
                    sa.text(
                        "SELECT c.relkind::text, count(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace "
                        "WHERE s.nspname = :s GROUP BY 1 ORDER BY 1"
                    ),
                    {"s": schema_for(tenants[0])},
                )
            ).all()
    finally:
        await db.dispose()
        await infra.drop_database(PG, name)
    per = {str(k): int(v) for k, v in kinds}
    relations = sum(per.values())
    return [
        ["catalog tenant: relations (pg_class rows)", relations],
        [
            "  tables / indexes / sequences / toast",
            f"{per.get('r', 0)} / {per.get('i', 0)} / {per.get('S', 0)} / {per.get('t', 0)}",
        ],
        ["catalog tenant: pg_class rows added (measured)", f"{(after[0] - before[0]) / n:.0f}"],
        ["catalog tenant: pg_attribute rows added", f"{(after[2] - before[2]) / n:.0f}"],
        ["catalog tenant: system catalogs growth (kB)", f"{(after[1] - before[1]) / n / 1024:.0f}"],
        ["catalog tenant: provision to head (median ms)", f"{median(times) * 1000:.0f}"],
    ]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--rows", default="1000,10000,100000")
    parser.add_argument("--catalog", type=int, default=20, help="catalog tenants provisioned for the sizes")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    service_dir = fixture_trees(scratch_dir())
    trees = MigrationTrees.in_dir(service_dir)
    names = {HOME: db_name("shards_home"), "b": db_name("shards_b")}
    urls = {shard: await infra.migrated_database(PG, name, trees) for shard, name in names.items()}
    rows: list[list[object]] = []
    try:
        db = Database(urls[HOME], shards=urls, pool_size=4)
        registry = TenantRegistry(db, trees.tenant)
        tenants = [uuid.uuid4() for _ in range(args.tenants)]
        started = time.perf_counter()
        for t in tenants:
            await db.shard_map.place(t)
        placed = time.perf_counter() - started
        started = time.perf_counter()
        for t in tenants:
            await registry.provision(t)
        provisioned = time.perf_counter() - started
        counts = await db.shard_map.counts()
        rows.append(
            [
                f"place {args.tenants} tenants",
                f"{placed:.1f} s",
                f"{placed / args.tenants * 1000:.1f} ms each",
            ]
        )
        rows.append(
            [
                f"provision {args.tenants} (2 tables)",
                f"{provisioned:.1f} s",
                f"{provisioned / args.tenants * 1000:.1f} ms each; home {counts[HOME]}, b {counts['b']}",
            ]
        )
        reports = await migrate_databases(urls, trees)
        total = sum(r.seconds for r in reports.values())
        rows.append(
            [
                "migrate both, nothing to apply",
                f"{total:.2f} s",
                ", ".join(f"{k}: {r.total} schemas {r.seconds:.2f} s" for k, r in reports.items()),
            ]
        )

        # Routing: 2,000 reads through tenant sessions, one database against two (cache warm).
        single = Database(urls[HOME], pool_size=4)
        on_home = [t for t in tenants[:200] if await db.shard_map.shard_of(t) == HOME][:50]
        for label, database in (("one database", single), ("two databases (map cached)", db)):
            for t in on_home:  # warm pools and caches
                async with database.tenant_session(t) as session:
                    await session.execute(sa.select(Marker.id).limit(1))
            started = time.perf_counter()
            for i in range(2000):
                async with database.tenant_session(on_home[i % len(on_home)]) as session:
                    await session.execute(sa.select(Marker.id).limit(1))
            elapsed = time.perf_counter() - started
            rows.append(
                [
                    f"tenant-session read, {label}",
                    f"{elapsed / 2000 * 1e6:.0f} µs",
                    "2,000 reads, one process",
                ]
            )
        await single.dispose()

        # Moves: one tenant with R markers and 100 pending events, home → b (no settle wait: the copy alone).
        outbox = Outbox("bench")
        for count in (int(r) for r in args.rows.split(",") if r):
            on_home_now = [t for t in tenants[:20] if await db.shard_map.shard_of(t) == HOME]
            tenant = on_home_now[0]
            tenants.remove(tenant)
            async with db.tenant_session(tenant) as session:
                await session.execute(sa.insert(Marker), [{"label": f"marker {i:07d}"} for i in range(count)])
                for i in range(100):
                    outbox.add(session, Ping(name=f"p{i}"), tenant_id=tenant)
                await session.commit()
            report = await move_tenant(db, trees.tenant, tenant, "b", settle_s=0)
            assert report.rows["markers"] == count, report.rows
            rows.append(
                [
                    f"move a tenant of {count:,} rows + 100 events",
                    f"{report.copy_s:.2f} s copy",
                    f"{report.paused_s:.2f} s paused (no settle), {report.seconds:.2f} s in all; + settle 6 s",
                ]
            )
        await db.dispose()
    finally:
        for name in names.values():
            await infra.drop_database(PG, name)
    print(f"\nShards: {args.tenants} tenants over two databases (fixture service, 2 tenant tables)")
    print(table(["what", "figure", "detail"], rows))
    if args.catalog:
        print(f"\nRelations: catalog-service's tenant schema ({args.catalog} tenants provisioned)")
        print(table(["what", "figure"], await catalog_sizes(args.catalog)))


if __name__ == "__main__":
    asyncio.run(main())
