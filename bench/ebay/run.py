"""eBay benchmark: bulk publishing against single calls under one account's call budget, and how soon a sale
reaches the delist call with eBay's push (ORDER_CONFIRMATION) against the order poll alone.

The eBay sandbox (``sandbox_ebay``) and marketplace-ebay run in processes of their own; the sandbox spends each
seller's budget of ``--rate`` calls/s (burst ``--rate``) and answers 429 beyond it, and marketplace-ebay is
given the same budget for its account limiter. The benchmark plays catalog-service: it publishes the
``publication.requested.ebay`` commands on the broker and, for the sale phases (notifications delivered;
notifications lost, so that only the order poll finds the sale), answers each ``order.received``
with the ``publication.delist_requested.ebay`` of another listing (as catalog ends the product's other
listings), timed until the sandbox logs that listing's withdraw call. Needs PostgreSQL and RabbitMQ.
Run from the repository root: ``uv run python bench/ebay/run.py [--products 100 --sales 100 --lost-sales 10]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import aio_pika
import httpx
from vitrine_contracts import Event, RawEnvelope, new_envelope
from vitrine_contracts.catalog import (
    ImageRef,
    MarketplaceMapping,
    ProductSnapshot,
    PublicationDelistRequested,
    PublicationRequested,
)
from vitrine_contracts.common import Marketplace, Money
from vitrine_kit.testing.helpers import free_port
from vitrine_kit.testing.tokens import TestKeys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import AMQP, PG, db_name, median, percentile, serve_jwks, start_service, stop_process, table


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.keys = TestKeys()
        self.db = db_name("ebay")
        self.namespace = f"bench-ebay-{uuid.uuid4().hex[:8]}."
        self.sandbox = f"http://127.0.0.1:{free_port()}"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.migrated = False
        self.tenant, self.user = uuid.uuid4(), uuid.uuid4()
        self.auth = {"Authorization": f"Bearer {self.keys.issue(sub=str(self.user), tenant_id=self.tenant)}"}

    def start_sandbox(self) -> Any:
        port = urlparse(self.sandbox).port
        return start_service(
            "sandbox_ebay.main",
            {
                "SANDBOX_EBAY_ACCOUNT_CALLS_PER_S": str(self.args.rate),
                # A burst of two seconds' budget: the client's limiter (same rate) never trips it by jitter.
                "SANDBOX_EBAY_ACCOUNT_CALLS_BURST": str(2 * self.args.rate),
                "SANDBOX_EBAY_PUBLIC_URL": self.sandbox,
                "SANDBOX_EBAY_LOG_LEVEL": "warning",
                "SANDBOX_EBAY_RU_NAMES": json.dumps({"vitrine-local-runame": f"{self.base}/oauth/callback"}),
            },
            f"{self.sandbox}/healthz",
            f"bench-ebay-sandbox-{port}",
            serve=("--port", str(port)),
        )

    def start_service(self, jwks_url: str, extra: dict[str, str]) -> Any:
        setup = () if self.migrated else ("create-db", "migrate")
        self.migrated = True
        env = {
            "EBAY_PORT": str(self.port),
            "EBAY_DATABASE_URL": PG.rsplit("/", 1)[0] + f"/{self.db}",
            "EBAY_AMQP_URL": AMQP,
            "EBAY_BROKER_NAMESPACE": self.namespace,
            "EBAY_JWKS_URL": jwks_url,
            "EBAY_LOG_LEVEL": os.environ.get("BENCH_SERVICE_LOG_LEVEL", "WARNING"),
            "EBAY_API_BASE_URL": self.sandbox,
            "EBAY_AUTH_BASE_URL": self.sandbox,
            "EBAY_ITEM_URL_BASE": self.sandbox,
            "EBAY_MEDIA_URL": "",
            "EBAY_BILLING_URL": "",
            "EBAY_CONNECT_COOKIE_PATH": "/",  # the service's own paths here, not the gateway's
            "EBAY_ACCOUNT_RATE_PER_S": str(self.args.rate),
            "EBAY_ACCOUNT_BURST": str(self.args.rate),
            **extra,
        }
        return start_service(
            "marketplace_ebay.cli", env, f"{self.base}/readyz", f"bench-ebay-{self.port}", setup=setup
        )

    async def connect(self, http: httpx.AsyncClient) -> str:
        """A new eBay seller connected and set up (its own call budget); returns the account id."""
        start = await http.post(f"{self.base}/oauth/authorize", json={"site": "EBAY_FR"}, headers=self.auth)
        start.raise_for_status()
        consent = await http.get(start.json()["authorize_url"])
        if "location" not in consent.headers:
            raise RuntimeError(f"eBay consent refused: {consent.status_code} {consent.text[:300]}")
        back = await http.get(consent.headers["location"])
        account = parse_qs(urlparse(back.headers["location"]).query)["account_id"][0]
        body = {"address": {"country": "FR", "postal_code": "75011", "city": "Paris"}}
        (
            await http.post(f"{self.base}/accounts/{account}/setup", json=body, headers=self.auth)
        ).raise_for_status()
        return account


def request(account: str, n: int) -> PublicationRequested:
    product = uuid.uuid4()
    return PublicationRequested(
        publication_id=uuid.uuid4(),
        product_id=product,
        marketplace=Marketplace.EBAY,
        account_id=uuid.UUID(account),
        snapshot=ProductSnapshot(
            product_id=product,
            sku=f"P-{n}",
            title=f"Veste en jean Levi's n°{n}",
            description="Très bon état, taille M.",
            price=Money(amount=Decimal("42.50"), currency="EUR"),
            quantity=1,
            images=[ImageRef(media_id=uuid.uuid4(), url=f"https://media.example/{n}.jpg")],
            mapping=MarketplaceMapping(
                category_id="57988", condition_id="USED_EXCELLENT", aspects={"Brand": ["Levi's"]}
            ),
        ),
    )


class Broker:
    """The benchmark's side of the broker: publishes commands, reads what marketplace-ebay emits."""

    def __init__(self, bench: Bench) -> None:
        self.bench = bench
        self.seen: dict[str, list[tuple[float, dict[str, Any]]]] = {}

    async def __aenter__(self) -> Broker:
        self.connection = await aio_pika.connect(AMQP)
        self.channel = await self.connection.channel()
        self.exchange = await self.channel.declare_exchange(
            self.bench.namespace + "vitrine.events", aio_pika.ExchangeType.TOPIC, durable=True
        )
        self.queue = await self.channel.declare_queue(exclusive=True, auto_delete=True)
        for key in ("publication.succeeded", "publication.failed", "order.received"):
            await self.queue.bind(self.exchange, key)
        await self.queue.consume(self._on_message, no_ack=True)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.connection.close()

    async def _on_message(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        envelope = RawEnvelope.model_validate_json(message.body)
        self.seen.setdefault(envelope.type, []).append((time.perf_counter(), dict(envelope.payload)))

    async def send(self, event: Event) -> None:
        envelope = new_envelope(event, producer="catalog-service", tenant_id=self.bench.tenant)
        await self.exchange.publish(
            aio_pika.Message(envelope.model_dump_json().encode()), event.routing_key()
        )

    async def wait(self, kind: str, count: int, timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        while len(self.seen.get(kind, [])) < count:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{len(self.seen.get(kind, []))}/{count} {kind} in {timeout:.0f} s")
            await asyncio.sleep(0.05)


async def publish_phase(bench: Bench, http: httpx.AsyncClient, mode: str) -> list[object]:
    """``--products`` publications of one new account sent at once; time until every one succeeded."""
    account = await bench.connect(http)
    async with Broker(bench) as broker:
        events = [request(account, n) for n in range(bench.args.products)]
        calls_before = len((await http.get(f"{bench.sandbox}/sandbox/calls")).json())
        started = time.perf_counter()
        for event in events:
            await broker.send(event)
        await broker.wait("publication.succeeded", len(events), timeout=600)
        elapsed = time.perf_counter() - started
        calls = (await http.get(f"{bench.sandbox}/sandbox/calls")).json()[calls_before:]
        failed = len(broker.seen.get("publication.failed", []))
    live = (await http.get(f"{bench.sandbox}/sandbox/listings", params={"status": "ACTIVE"})).json()
    ours = {f"VTR-{e.publication_id.hex}" for e in events}
    listed = sum(1 for v in live if v["sku"] in ours)
    bulk = sum(1 for c in calls if "/bulk_" in c["path"])
    return [
        mode, len(events), listed, failed, len(calls), bulk, f"{elapsed:.1f}", f"{listed / elapsed:.1f}"
    ]  # fmt: skip


async def sale_phase(
    bench: Bench, http: httpx.AsyncClient, mode: str, sales: int, *, spread: bool
) -> list[object]:
    """Sales one after another; each ``order.received`` answered with another listing's delist (as catalog
    does); sale → that listing's withdraw call on eBay, per sale. ``spread``: each sale waits a random part
    of the poll period first, so sales land anywhere between two polls (not right after one)."""
    account = await bench.connect(http)
    async with Broker(bench) as broker:
        events = [request(account, n) for n in range(2 * sales)]
        for event in events:
            await broker.send(event)
        await broker.wait("publication.succeeded", len(events), timeout=300)
        listing_of = {p["publication_id"]: p["external_id"] for _, p in broker.seen["publication.succeeded"]}
        times: list[float] = []
        for n in range(sales):
            sold, other = events[2 * n], events[2 * n + 1]
            if spread:
                await asyncio.sleep(random.uniform(0, bench.args.poll_interval))
            started = time.time()
            await http.post(
                f"{bench.sandbox}/sandbox/listings/{listing_of[str(sold.publication_id)]}/sell", json={}
            )
            await broker.wait("order.received", n + 1, timeout=bench.args.poll_interval * 3 + 30)
            await broker.send(
                PublicationDelistRequested(
                    publication_id=other.publication_id,
                    product_id=other.product_id,
                    marketplace=Marketplace.EBAY,
                    account_id=uuid.UUID(account),
                    external_id=listing_of[str(other.publication_id)],
                )
            )
            withdraw = await wait_withdraw(http, bench.sandbox, started)
            times.append(withdraw - started)
    return [mode, len(times)] + [
        f"{x:.2f}" for x in (median(times), percentile(times, 90), percentile(times, 99), max(times))
    ]


async def wait_withdraw(http: httpx.AsyncClient, sandbox: str, since: float) -> float:
    deadline = time.time() + 60
    while time.time() < deadline:
        calls = (await http.get(f"{sandbox}/sandbox/calls", params={"path_contains": "/withdraw"})).json()
        after = [c["at"] for c in calls if c["at"] >= since]
        if after:
            return float(min(after))
        await asyncio.sleep(0.02)
    raise TimeoutError("no withdraw call")


async def main(args: argparse.Namespace) -> None:
    bench = Bench(args)
    _, jwks_url = serve_jwks(bench.keys)
    sandbox = bench.start_sandbox()
    publish_rows: list[list[object]] = []
    sale_rows: list[list[object]] = []
    slow_poll = {"EBAY_ORDER_POLL_INTERVAL_S": str(args.poll_interval)}
    try:
        async with httpx.AsyncClient(timeout=60) as http:
            paths = (("single calls", {"EBAY_BULK_PUBLISH": "false"}), ("bulk (25/call)", {}))
            for mode, extra in paths[1:] if args.bulk_only else paths:
                service = bench.start_service(jwks_url, {**extra, **slow_poll})
                try:
                    publish_rows.append(await publish_phase(bench, http, mode))
                    print(table(HEAD_PUBLISH, publish_rows[-1:]), flush=True)
                finally:
                    stop_process(service)
            destination = f"{bench.base}/webhooks/orders"
            pushes = (("push + poll", False, args.sales), ("push lost, poll", True, args.lost_sales))
            for mode, lose, sales in pushes:
                if not sales:
                    continue
                service = bench.start_service(jwks_url, slow_poll)
                try:
                    await http.put(
                        f"{bench.sandbox}/sandbox/notifications/destination",
                        json={"url": destination, "lose": lose},
                    )
                    sale_rows.append(await sale_phase(bench, http, mode, sales, spread=lose))
                    print(table(HEAD_SALE, sale_rows[-1:]), flush=True)
                finally:
                    stop_process(service)
    finally:
        stop_process(sandbox)
        await drop_database(bench.db)
    print(
        f"\n{args.products} products, one account, {args.rate} calls/s budget (sandbox and client); load {LOAD}"
    )
    print(table(HEAD_PUBLISH, publish_rows))
    print(f"\nsale → delist call (order poll every {args.poll_interval:.0f} s)")
    print(table(HEAD_SALE, sale_rows))


async def drop_database(name: str) -> None:
    """The scratch database goes with the run."""
    import asyncpg

    connection = await asyncpg.connect(PG.replace("+asyncpg", ""))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


HEAD_PUBLISH = ["path", "products", "listed", "failed", "eBay calls", "of them bulk", "seconds", "listings/s"]
HEAD_SALE = ["orders learned by", "sales", "p50 s", "p90 s", "p99 s", "max s"]
LOAD = tuple(round(x, 2) for x in os.getloadavg())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=100)
    parser.add_argument("--rate", type=float, default=5.0, help="the account's eBay calls per second")
    parser.add_argument("--sales", type=int, default=100, help="sales with notifications on (0: none)")
    parser.add_argument(
        "--lost-sales", type=int, default=10, help="sales whose notification is lost: the poll finds them"
    )
    parser.add_argument("--bulk-only", action="store_true", help="skip the single-call publishing phase")
    parser.add_argument("--poll-interval", type=float, default=30.0, help="EBAY_ORDER_POLL_INTERVAL_S")
    asyncio.run(main(parser.parse_args()))
