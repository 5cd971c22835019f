"""Brand search benchmark: the shared brand list grown to 60,000 brands (ours, then generated names), every
``GET /reference/brands`` shape timed through catalog-service's app in-process (HTTP over ASGI, token
checked), and the plan of the ``%q%`` query with and without the trigram index.

Prints three tables: the time one load of the reference tables takes (each process reloads them after every
reference change, catalog once more per Vinted part), p50/p99 per query shape, and EXPLAIN ANALYZE of the contains-search
with the index and with it dropped (a sequential scan of every brand).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import AMQP, PG, db_name, median, percentile, table
from catalog_service.config import Settings
from catalog_service.main import SERVICE_DIR, create_app
from catalog_service.reference.catalog import load_catalog
from vitrine_kit.db.migrations import MigrationTrees
from vitrine_kit.testing import infra
from vitrine_kit.testing.app import running_app
from vitrine_kit.testing.tokens import TestKeys

# Names like "Maison Lune Paris 1234": three words from small lists and a number, so a query matches a
# realistic few hundred rather than one or all.
SEED = """
INSERT INTO shared.brands (code, name, aliases, search_text)
SELECT 'gen-' || i, initcap(a) || ' ' || initcap(b) || ' ' || i, '{{}}', a || ' ' || b || ' ' || i
FROM generate_series(1, {n}) AS i,
     LATERAL (SELECT (ARRAY['maison','atelier','studio','casa','nord','blue','petite','urban','wild','golden',
                            'silver','little','grand','old','new','bella','alpine','coastal','velvet','linen'])
                     [1 + i % 20] AS a,
                     (ARRAY['lune','fox','garden','harbor','meadow','stone','thread','loom','field','wave',
                            'bloom','anchor','hill','brook','sparrow','willow','canyon','ember','frost','atlas',
                            'echo','nova','orchid','pearl','quartz','raven','sage','tide','vale','wren'])
                     [1 + (i / 20) % 30] AS b) AS w
ON CONFLICT DO NOTHING
"""
EXPLAIN = "EXPLAIN (ANALYZE, FORMAT JSON) SELECT * FROM shared.brands WHERE search_text ILIKE $1 ORDER BY name LIMIT 51"
QUERIES = [
    ("no q, first page", {}),
    ("q=lev (a real brand, prefix)", {"q": "lev"}),
    ("q=maison lune (hundreds match)", {"q": "maison lune"}),
    ("q=studio garden 4242 (one matches)", {"q": "studio garden 4242"}),
    ("q=zzzz (none match)", {"q": "zzzz"}),
    ("q=a (short: most match)", {"q": "a"}),
]


async def explain(dsn: str, needle: str) -> tuple[float, str]:
    conn = await asyncpg.connect(dsn)
    try:
        times, node = [], ""
        for _ in range(5):
            plan = await conn.fetchval(EXPLAIN, f"%{needle}%")
            top = __import__("json").loads(plan)[0]
            times.append(top["Execution Time"])
            node = _scans(top["Plan"])
        return median(times), node
    finally:
        await conn.close()


def _scans(plan: dict) -> str:
    found = [plan["Node Type"]] if "Scan" in plan["Node Type"] else []
    for child in plan.get("Plans", []):
        found.append(_scans(child))
    return ", ".join(f for f in found if f)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--brands", type=int, default=60_000)
    parser.add_argument("--requests", type=int, default=100, help="timed requests per query")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    name = db_name("brands")
    url = await infra.migrated_database(PG, name, MigrationTrees.in_dir(SERVICE_DIR))
    dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    keys = TestKeys()
    settings = Settings(
        database_url=url,
        amqp_url=AMQP,
        broker_namespace=f"bench-brands-{uuid.uuid4().hex[:6]}.",
        log_json=False,
        media_url=None,
    )
    try:
        conn = await asyncpg.connect(dsn)
        started = time.perf_counter()
        await conn.execute(SEED.format(n=args.brands))
        await conn.execute("ANALYZE shared.brands")
        total = await conn.fetchval("SELECT count(*) FROM shared.brands")
        await conn.close()
        print(f"{total} brands seeded in {time.perf_counter() - started:.1f} s")
        async with running_app(create_app(settings, verifier=keys.verifier())) as (client, runtime):
            print(
                table(
                    ("reference tables loaded", "wall ms p50", "CPU ms p50", "brands"), await loads(runtime)
                )
            )
            for noisy in ("", "vitrine.access", "httpx", "vitrine_kit"):
                logging.getLogger(noisy).setLevel(logging.WARNING)
            headers = {"Authorization": f"Bearer {keys.issue(tenant_id=uuid.uuid4(), roles=('viewer',))}"}
            rows = []
            for label, params in QUERIES:
                spent, found = [], 0
                for _ in range(args.requests):
                    t0 = time.perf_counter()
                    response = await client.get("/reference/brands", params=params, headers=headers)
                    spent.append((time.perf_counter() - t0) * 1000)
                    assert response.status_code == 200, response.text
                    found = len(response.json()["items"])
                rows.append((label, f"{median(spent):.1f}", f"{percentile(spent, 99):.1f}", found))
            print(table(("GET /reference/brands", "p50 ms", "p99 ms", "items"), rows))
        plans = []
        for needle in ("maison lune", "studio garden 4242", "zzzz"):
            with_index = await explain(dsn, needle)
            conn = await asyncpg.connect(dsn)
            await conn.execute("BEGIN; DROP INDEX shared.ix_brands_search_trgm")
            without = await _explain_on(conn, needle)
            await conn.execute("ROLLBACK")
            await conn.close()
            plans.append((needle, f"{with_index[0]:.2f}", with_index[1], f"{without[0]:.2f}", without[1]))
        print(table(("%q% search", "trigram ms", "scans", "no index ms", "scans"), plans))
    finally:
        await infra.drop_database(PG, name)


async def loads(runtime: Any, times: int = 5) -> list[tuple[str, str, str, int]]:
    """``load_catalog`` (what each process does after every reference change, and catalog once per Vinted
    part): the wall and CPU time it blocks the event loop."""
    walls, cpus, brands = [], [], 0
    for _ in range(times):
        async with runtime.db.session() as session:
            wall, cpu = time.perf_counter(), time.process_time()
            brands = len((await load_catalog(session)).brands)
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
    return [("load_catalog", f"{median(walls):.0f}", f"{median(cpus):.0f}", brands)]


async def _explain_on(conn: asyncpg.Connection, needle: str) -> tuple[float, str]:
    times, node = [], ""
    for _ in range(5):
        top = __import__("json").loads(await conn.fetchval(EXPLAIN, f"%{needle}%"))[0]
        times.append(top["Execution Time"])
        node = _scans(top["Plan"])
    return median(times), node


if __name__ == "__main__":
    asyncio.run(main())
