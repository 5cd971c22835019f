"""Drill: the drills' RabbitMQ node is stopped and started during a burst of 1,000 sales on the eBay stand-in.

100 products (4 sellers of 25: the free plan keeps 30), 10 units each, listed on eBay and Etsy; every unit
is sold on eBay as its own order (1,000 orders, one line each), 4 at a time. The broker goes down once 300 sales are made and comes
back 10 s later. Afterwards: every order applied once in catalog, every product sold, every Etsy listing
deleted by exactly one call, and no 5xx from the gateway meanwhile.
"""

from __future__ import annotations

import collections
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from vitrine_kit.testing.helpers import eventually_sync as eventually

from sellers import Prober, Seller, figures, log_count

SELLERS, PER_SELLER, UNITS = 4, 25, 10  # 1,000 sales
PRODUCTS = SELLERS * PER_SELLER
STOP_AFTER, OUTAGE_S = 300, 10.0


@pytest.mark.timeout(900)
def test_broker_restart_during_1000_sales(api: httpx.Client, fleet: Any) -> None:
    sellers = [Seller(api) for _ in range(SELLERS)]
    tag = uuid.uuid4().hex[:6]
    owner: dict[str, Seller] = {}  # product id -> its seller
    titles: list[str] = []
    for s, seller in enumerate(sellers):
        seller.connect_ebay()
        seller.connect_etsy()
        media_id = seller.upload_photo()
        mine = [f"Levi's 501 jeans {tag} {s}-{n:02d}" for n in range(PER_SELLER)]
        titles += mine
        ids = [seller.product(t, media_id, stock=UNITS) for t in mine]
        owner.update(dict.fromkeys(ids, seller))
        body = {"action": "publish", "ids": ids, "marketplaces": ["ebay", "etsy"]}
        assert seller.call("POST", "/api/catalog/products/bulk", json=body)["failed"] == 0

    def count(params: dict[str, Any]) -> int:
        return sum(
            s.call("GET", "/api/catalog/products", params={"limit": 1, **params})["total"] for s in sellers
        )

    def all_listed() -> bool:
        return (
            sum(count({"marketplace": m, "publication_status": "listed"}) for m in ("ebay", "etsy"))
            == 2 * PRODUCTS
        )

    eventually(all_listed, timeout=300, interval=1)

    ebay, etsy = fleet.url("sandbox-ebay"), fleet.url("sandbox-etsy")
    listings = [
        x
        for x in httpx.get(f"{ebay}/sandbox/listings", params={"status": "ACTIVE"}, timeout=30).json()
        if x["title"] in titles
    ]
    assert len(listings) == PRODUCTS
    assert all(x["availableQuantity"] == UNITS for x in listings)
    sales = [x["listingId"] for x in listings for _ in range(UNITS)]
    random.shuffle(sales)

    catalog_log = fleet.log_dir / "catalog-service.log"
    inbox_dups_before = log_count(catalog_log, "duplicate message ignored")
    order_dups_before = log_count(catalog_log, "order ignored", duplicate=True)
    orders: list[str] = []
    sold_lock = threading.Lock()

    def sell(listing_id: str) -> None:
        with httpx.Client(timeout=30) as client:
            r = client.post(f"{ebay}/sandbox/listings/{listing_id}/sell", json={"buyer": "marie"})
        assert r.status_code == 200, r.text
        with sold_lock:
            orders.append(r.json()["orderId"])

    with Prober(api) as prober, ThreadPoolExecutor(4) as pool:
        started = time.monotonic()
        futures = [pool.submit(sell, listing_id) for listing_id in sales]
        eventually(lambda: len(orders) >= STOP_AFTER, timeout=300, interval=0.05)
        stopping_at, sold_at_stop = time.monotonic(), len(orders)
        stopped_by = fleet.infra.rabbit.stop()
        down_at, sold_when_down = time.monotonic(), len(orders)
        time.sleep(OUTAGE_S)
        fleet.infra.rabbit.start()
        up_at = time.monotonic()
        for future in futures:
            future.result()
        burst_s = time.monotonic() - started

        eventually(lambda: count({"status": "sold"}) == PRODUCTS, timeout=300, interval=0.5)
        applied_at = time.monotonic()

        def etsy_all_deleted() -> list[dict[str, Any]] | None:
            mine = [
                x for x in httpx.get(f"{etsy}/sandbox/listings", timeout=30).json() if x["title"] in titles
            ]
            return mine if len(mine) == PRODUCTS and all(x["deleted"] for x in mine) else None

        etsy_listings = eventually(etsy_all_deleted, timeout=120, interval=0.5)
        delisted_at = time.monotonic()

    # Every order once, applied; every product sold with no stock left; no oversell.
    seen: collections.Counter[str] = collections.Counter()
    outcomes: collections.Counter[str] = collections.Counter()
    for product, seller in owner.items():
        lines = seller.call("GET", "/api/catalog/orders", params={"product_id": product, "limit": 100})[
            "items"
        ]
        seen.update(o["order_id"] for o in lines)
        outcomes.update(o["outcome"] for o in lines)
        found = seller.call("GET", f"/api/catalog/products/{product}")
        assert (found["status"], found["stock_quantity"]) == ("sold", 0), found
    applied_twice = sum(1 for n in seen.values() if n > 1)
    lost = set(orders) - set(seen)

    # Etsy: each listing deleted by one call; catalog shows each Etsy publication delisted.
    wanted = {str(x["listing_id"]) for x in etsy_listings}
    deletes = collections.Counter(
        r["path"].rsplit("/", 1)[1]
        for r in httpx.get(f"{etsy}/sandbox/requests", timeout=30).json()
        if r["method"] == "DELETE" and r["path"].rsplit("/", 1)[1] in wanted
    )
    delist_counts = collections.Counter(deletes[w] for w in wanted)
    etsy_pubs = collections.Counter(s.publications(p)["etsy"]["status"] for p, s in owner.items())
    server_errors = prober.server_errors
    figures(
        "drill: RabbitMQ stopped and started during 1,000 sales (4 sellers x 25 products x 10 units, eBay + Etsy)",
        {
            "events in (sales on the eBay stand-in)": len(orders),
            "events applied (catalog order lines)": outcomes["applied"],
            "other outcomes": dict(outcomes - collections.Counter(applied=outcomes["applied"])) or "none",
            "lost": len(lost),
            "applied twice": applied_twice,
            "duplicates absorbed (inbox / same order)": f"{log_count(catalog_log, 'duplicate message ignored') - inbox_dups_before}"
            f" / {log_count(catalog_log, 'order ignored', duplicate=True) - order_dups_before}",
            "sales made when the stop began / ended": f"{sold_at_stop} / {sold_when_down}",
            "broker stopped by": f"{stopped_by} in {down_at - stopping_at:.1f} s",
            "broker down (stopped -> listening again)": f"{up_at - down_at:.1f} s",
            "burst of sales": f"{burst_s:.1f} s",
            "recovery (broker up -> every sale applied)": f"{applied_at - up_at:.1f} s",
            "broker up -> every Etsy listing deleted": f"{delisted_at - up_at:.1f} s",
            "Etsy listings deleted (calls per listing)": dict(sorted(delist_counts.items())),
            "Etsy publications": dict(etsy_pubs),
            "gateway answers meanwhile": dict(sorted(prober.statuses.items())),
            "5xx (or no answer)": server_errors,
        },
    )
    assert len(orders) == PRODUCTS * UNITS
    assert not lost, sorted(lost)[:10]
    assert applied_twice == 0
    assert outcomes == {"applied": PRODUCTS * UNITS}, outcomes
    assert delist_counts == {1: PRODUCTS}, delist_counts
    assert etsy_pubs == {"delisted": PRODUCTS}, etsy_pubs
    assert server_errors == 0, prober.statuses
