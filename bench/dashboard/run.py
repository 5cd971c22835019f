"""Dashboard benchmark: one seller with 50,000 products and 100,000 order lines, every dashboard query
timed through catalog-service's app in-process (HTTP over ASGI, token checked, tenant scope, JSON or SVG).

Prints three tables: the bulk seeding (with the cost the ct0005 triggers add to each order line), p50/p99
of each endpoint, and EXPLAIN ANALYZE of each SQL statement the endpoints run, beside the query the daily
rollup replaces.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import AMQP, PG, db_name, median, percentile, table
from catalog_service.config import Settings
from catalog_service.main import SERVICE_DIR, create_app
from vitrine_kit.db.engine import schema_for
from vitrine_kit.db.migrations import MigrationTrees
from vitrine_kit.testing import infra
from vitrine_kit.testing.app import running_app
from vitrine_kit.testing.tokens import TestKeys

# Products: 10 % draft, 10 % ready, 40 % listed, 35 % sold, 5 % archived, created over three years; the
# listed ones on eBay, half of them on Etsy too and 40 % on Vinted, sold 0-120 days after listing.
SEED_PRODUCTS = """
CREATE TEMP TABLE seed AS
SELECT i, gen_random_uuid() AS id, created,
       CASE WHEN r < 0.10 THEN 'draft' WHEN r < 0.20 THEN 'ready' WHEN r < 0.60 THEN 'listed'
            WHEN r < 0.95 THEN 'sold' ELSE 'archived' END AS status,
       created + random() * interval '3 days' AS listed_at,
       random() AS etsy, random() AS vinted, random() * 120 AS days_to_sell
FROM (SELECT i, random() AS r, now() - random() * interval '1095 days' AS created
      FROM generate_series(1, {n}) AS i) AS g
"""
INSERT_PRODUCTS = """
INSERT INTO "{s}".products (id, version, status, sku, title, description, price, currency, stock_quantity,
    colours, materials, measurements_cm, attributes, flaws, notes, images, sold_at, created_at, updated_at)
SELECT id, 1, status, 'SKU-' || i, 'Item ' || i, '', 5 + (i % 95), 'EUR', 1, '{{}}', '[]', '{{}}', '{{}}',
       '{{}}', '', '[]',
       CASE WHEN status IN ('sold', 'archived') THEN least(listed_at + days_to_sell * interval '1 day', now()) END,
       created, created
FROM seed
"""
INSERT_PUBLICATIONS = """
INSERT INTO "{s}".publications (id, product_id, marketplace, status, external_id, attempt, requested_at,
    listed_at, delisted_at, updated_at)
SELECT gen_random_uuid(), id, m.marketplace, CASE WHEN status = 'listed' THEN 'listed' ELSE 'delisted' END,
       m.marketplace || '-' || i, 1, listed_at, listed_at, NULL, listed_at
FROM seed CROSS JOIN (VALUES ('ebay'), ('etsy'), ('vinted')) AS m (marketplace)
WHERE status IN ('listed', 'sold', 'archived')
  AND (m.marketplace = 'ebay' OR (m.marketplace = 'etsy' AND etsy < 0.5)
       OR (m.marketplace = 'vinted' AND vinted < 0.4))
"""
# Order lines over three years: eBay 50 %, Vinted 35 %, Etsy 15 %; EUR 80 %, GBP 15 %, USD 5 %; about one
# line in eight shares its order with the line before; one in ten has two units; 3 % cancelled.
INSERT_ORDERS = """
INSERT INTO "{s}".{table} (id, marketplace, order_id, line_id, product_id, external_listing_id, quantity,
    price, currency, outcome, ordered_at, received_at, cancelled_at)
SELECT gen_random_uuid(), marketplace, 'O-' || (i * 7 / 8), i::text, NULL, 'L-' || i, quantity,
       round((5 + random() * 95)::numeric, 2) * quantity, currency, 'unmatched', ordered_at, ordered_at,
       CASE WHEN random() < 0.03 THEN ordered_at + interval '2 days' END
FROM (SELECT i, now() - ((i * 7 / 8) % 1095) * interval '1 day' - random() * interval '20 hours' AS ordered_at,
             CASE WHEN (i * 7 / 8) % 20 < 10 THEN 'ebay' WHEN (i * 7 / 8) % 20 < 17 THEN 'vinted'
                  ELSE 'etsy' END AS marketplace,
             CASE WHEN (i * 7 / 8) % 20 IN (1, 11, 13) THEN 'GBP' WHEN (i * 7 / 8) % 20 = 18 THEN 'USD'
                  ELSE 'EUR' END AS currency,
             CASE WHEN i % 10 = 0 THEN 2 ELSE 1 END AS quantity
      FROM generate_series(1, $1) AS i) AS g
"""
# What the rollup replaces: the same sums read from the order lines themselves.
WITHOUT_ROLLUP = """
SELECT date_trunc('day', ordered_at AT TIME ZONE 'UTC')::date, marketplace, currency,
       count(DISTINCT order_id), sum(quantity), sum(price)
FROM "{s}".orders WHERE cancelled_at IS NULL AND ordered_at >= $1 AND ordered_at < $2
GROUP BY 1, 2, 3
"""


EXPLAINED = ("summary, last 30 days", "summary, 3 years", "sales by day, 30 days", "sales by day, 3 years")


def today() -> datetime:
    return datetime.now(UTC)


def queries() -> list[tuple[str, str, dict[str, str]]]:
    day = today().date()
    three_years = (day - timedelta(days=3 * 365)).isoformat()
    year = (day - timedelta(days=364)).isoformat()
    return [
        ("floor: GET /quota (one row)", "/quota", {}),
        ("summary, last 30 days", "/dashboard/summary", {}),
        ("summary, 3 years", "/dashboard/summary", {"from": three_years}),
        ("sales by day, 30 days", "/dashboard/sales", {}),
        ("sales by day, 3 years", "/dashboard/sales", {"from": three_years}),
        ("sales by week, 3 years", "/dashboard/sales", {"granularity": "week", "from": three_years}),
        ("sales by month, 3 years", "/dashboard/sales", {"granularity": "month", "from": three_years}),
        ("sales by day, 1 year, eBay", "/dashboard/sales", {"from": year, "marketplace": "ebay"}),
        ("sales.svg by week, 1 year", "/dashboard/sales.svg", {"granularity": "week", "from": year}),
        ("sales.svg by day, 3 years", "/dashboard/sales.svg", {"from": three_years}),
    ]


async def seed(dsn: str, schema: str, products: int, orders: int) -> list[tuple[str, ...]]:
    conn = await asyncpg.connect(dsn)
    rows: list[tuple[str, ...]] = []
    try:
        await conn.execute("SELECT setseed(0.42)")

        async def timed(label: str, sql: str, *args: object) -> float:
            started = time.perf_counter()
            await conn.execute(sql, *args)
            elapsed = time.perf_counter() - started
            rows.append((label, f"{elapsed:.1f}"))
            return elapsed

        await timed("seed table", SEED_PRODUCTS.format(n=int(products)))
        await timed(f"{products:,} products", INSERT_PRODUCTS.format(s=schema))
        await timed("publications (+ first-listing trigger)", INSERT_PUBLICATIONS.format(s=schema))
        with_triggers = await timed(
            f"{orders:,} order lines (+ rollup triggers)",
            INSERT_ORDERS.format(s=schema, table="orders"),
            orders,
        )
        # The same lines into a copy of the table without the triggers: what the triggers cost per line.
        await conn.execute(f'CREATE TABLE "{schema}".orders_plain (LIKE "{schema}".orders INCLUDING ALL)')
        plain = await timed(
            f"{orders:,} order lines, no triggers (comparison)",
            INSERT_ORDERS.format(s=schema, table="orders_plain"),
            orders,
        )
        await conn.execute(f'DROP TABLE "{schema}".orders_plain')
        rows.append(("triggers' cost per line (µs)", f"{(with_triggers - plain) / orders * 1e6:.0f}"))
        await timed("VACUUM ANALYZE", f'VACUUM ANALYZE "{schema}".products')
        for name in (
            "publications",
            "orders",
            "dashboard_sales_daily",
            "dashboard_order_tallies",
            "dashboard_first_listings",
        ):
            await conn.execute(f'VACUUM ANALYZE "{schema}".{name}')
        counts = await conn.fetchrow(
            f"""SELECT (SELECT count(*) FROM "{schema}".products) AS products,
                       (SELECT count(*) FROM "{schema}".publications) AS publications,
                       (SELECT count(*) FROM "{schema}".orders) AS lines,
                       (SELECT count(DISTINCT (marketplace, order_id)) FROM "{schema}".orders) AS orders,
                       (SELECT count(*) FROM "{schema}".dashboard_sales_daily) AS rollup_rows"""
        )
        assert counts is not None
        rows.append(("rows", ", ".join(f"{k} {v:,}" for k, v in counts.items())))
    finally:
        await conn.close()
    return rows


async def explain(dsn: str, statements: Sequence[tuple[str, str, Sequence[Any]]]) -> list[tuple[str, ...]]:
    conn = await asyncpg.connect(dsn)
    rows: list[tuple[str, ...]] = []
    try:
        for label, sql, params in statements:
            times = []
            plan: dict[str, Any] = {}
            for _ in range(5):
                raw = await conn.fetchval(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", *params)
                plan = json.loads(raw)[0]
                times.append(plan["Execution Time"])
            rows.append((label, f"{median(times):.2f}", describe(plan["Plan"])))
    finally:
        await conn.close()
    return rows


def describe(node: dict[str, Any]) -> str:
    """The plan's scans, e.g. 'Index Only Scan ix_products_status_live (heap fetches 0)'."""
    found = []
    if "Scan" in node["Node Type"]:
        text = node["Node Type"]
        if node.get("Index Name"):
            text += f" {node['Index Name']}"
        elif node.get("Relation Name"):
            text += f" {node['Relation Name']}"
        if "Heap Fetches" in node:
            text += f" (heap fetches {node['Heap Fetches']})"
        found.append(text)
    for child in node.get("Plans", []):
        found.extend(describe(child).split("; ") if describe(child) else [])
    return "; ".join(dict.fromkeys(found))


async def measure(client: httpx.AsyncClient, headers: dict[str, str], requests: int) -> list[tuple[str, ...]]:
    rows = []
    for label, path, params in queries():
        for _ in range(3):  # warm-up
            assert (await client.get(path, params=params, headers=headers)).status_code == 200
        times, size = [], 0
        for _ in range(requests):
            started = time.perf_counter()
            response = await client.get(path, params=params, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
            size = len(response.content)
        rows.append((label, f"{percentile(times, 50):.1f}", f"{percentile(times, 99):.1f}", f"{size:,}"))
    return rows


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100, help="timed requests per query")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    name = db_name("dashboard")
    url = await infra.migrated_database(PG, name, MigrationTrees.in_dir(SERVICE_DIR))
    dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    keys = TestKeys()
    settings = Settings(
        database_url=url,
        amqp_url=AMQP,
        broker_namespace=f"bench-dashboard-{uuid.uuid4().hex[:6]}.",
        log_json=False,
        media_url=None,
    )
    try:
        async with running_app(create_app(settings, verifier=keys.verifier())) as (client, runtime):
            for noisy in ("", "vitrine.access", "httpx", "vitrine_kit"):  # the kit set INFO at start-up
                logging.getLogger(noisy).setLevel(logging.WARNING)
            tenant = uuid.uuid4()
            headers = {"Authorization": f"Bearer {keys.issue(tenant_id=tenant, roles=('viewer',))}"}
            assert (await client.get("/dashboard/summary", headers=headers)).status_code == 200  # provisions
            schema = schema_for(tenant)
            seeded = await seed(dsn, schema, args.products, args.orders)
            print(table(("seeding", "seconds"), seeded))

            captured: list[tuple[str, str, Sequence[Any]]] = []
            current = [""]

            def capture(_c: Any, _cur: Any, statement: str, params: Any, *_: Any) -> None:
                if schema in statement:
                    captured.append((current[0], statement, tuple(params or ())))

            event.listen(runtime.db.engine.sync_engine, "before_cursor_execute", capture)
            for label, path, params in queries():
                if path.endswith(".svg"):
                    continue
                current[0] = label
                await client.get(path, params=params, headers=headers)
            event.remove(runtime.db.engine.sync_engine, "before_cursor_execute", capture)
            statements = [
                (f"{label}: {summary(sql)}", sql, params)
                for label, sql, params in captured
                if label in EXPLAINED
            ]
            start = today() - timedelta(days=3 * 365)
            statements.append(
                (
                    "by day, 3 years, WITHOUT the rollup (orders)",
                    WITHOUT_ROLLUP.format(s=schema),
                    (start, today()),
                )
            )
            print(
                table(
                    ("statement", "EXPLAIN ANALYZE ms (median of 5)", "scans"), await explain(dsn, statements)
                )
            )
            print(
                table(("query", "p50 ms", "p99 ms", "bytes"), await measure(client, headers, args.requests))
            )
    finally:
        if not args.keep:
            await infra.drop_database(PG, name)


def summary(sql: str) -> str:
    """A statement's gist: what it reads."""
    lowered = sql.lower()
    for table_name, gist in (
        ("dashboard_sales_daily", "sales rollup"),
        ("dashboard_first_listings", "sell-through cohort"),
        ("publications", "publications per state"),
        ("products", "products per status"),
    ):
        if table_name in lowered:
            if table_name == "dashboard_first_listings" and "percentile_cont" in lowered:
                return "median days to sell"
            return gist
    return sql[:40]


if __name__ == "__main__":
    asyncio.run(main())
