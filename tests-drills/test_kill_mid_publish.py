"""Drill: marketplace-ebay is killed (SIGKILL) while its publish call is at the eBay stand-in, then restarted.

The stand-in answers every eBay call 1.5 s late, so the adapter is caught waiting for `offer/{id}/publish`:
the stand-in still makes the listing, the answer never reaches anyone. The broker hands the command to the
restarted adapter, which must find what it did and end with exactly one listing (one offer, one item).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest
from vitrine_kit.testing.helpers import eventually_sync as eventually

from sellers import Prober, Seller, figures, log_count

LATENCY_MS = 1500


@pytest.mark.timeout(600)
def test_kill_marketplace_ebay_mid_publish(api: httpx.Client, fleet: Any) -> None:
    seller = Seller(api)
    seller.connect_ebay()
    title = f"Levi's 501 jeans {uuid.uuid4().hex[:6]}"
    product = seller.product(title, seller.upload_photo((120, 30, 30)))
    ebay = fleet.url("sandbox-ebay")

    def requests() -> dict[str, int]:
        return dict(httpx.get(f"{ebay}/sandbox/requests", timeout=30).json())

    before = requests()
    ebay_log = fleet.log_dir / "marketplace-ebay.log"
    dups_before = log_count(ebay_log, "duplicate message ignored")

    def publish_call() -> str | None:
        return next(
            (k for k, n in requests().items() if k.endswith("/publish") and n > before.get(k, 0)), None
        )

    with Prober(api) as prober:
        httpx.post(f"{ebay}/sandbox/latency", json={"ms": LATENCY_MS}, timeout=30).raise_for_status()
        try:
            seller.call(
                "POST", f"/api/catalog/products/{product}/publications", 202, json={"marketplaces": ["ebay"]}
            )
            call = eventually(publish_call, timeout=120, interval=0.05)
            fleet.kill("marketplace-ebay")
            killed_at = time.monotonic()
        finally:
            httpx.post(f"{ebay}/sandbox/latency", json={"ms": 0}, timeout=30).raise_for_status()
        time.sleep(LATENCY_MS / 1000 + 1)  # the stand-in finishes the call nobody waits for any more
        live_while_down = [
            x for x in httpx.get(f"{ebay}/sandbox/listings", timeout=30).json() if x["title"] == title
        ]
        restart_s = fleet.start_one("marketplace-ebay")

        def listed() -> dict[str, Any] | None:
            pub = seller.publications(product).get("ebay")
            assert pub is None or pub["status"] != "failed", pub
            return pub if pub and pub["status"] == "listed" else None

        pub = eventually(listed, timeout=180, interval=0.5)
        recovered_s = time.monotonic() - killed_at

    listings = [x for x in httpx.get(f"{ebay}/sandbox/listings", timeout=30).json() if x["title"] == title]
    sku = listings[0]["sku"] if listings else None
    offers = httpx.get(f"{ebay}/sandbox/offers", params={"sku": sku}, timeout=30).json() if sku else []
    after = requests()
    publish_calls = sum(n - before.get(k, 0) for k, n in after.items() if k.endswith("/publish"))
    offer_posts = after.get("POST /sell/inventory/v1/offer", 0) - before.get(
        "POST /sell/inventory/v1/offer", 0
    )
    server_errors = prober.server_errors
    figures(
        "drill: marketplace-ebay killed (SIGKILL) mid-publish, then restarted",
        {
            "events in (publication requested)": 1,
            "events applied (publication listed)": int(pub["status"] == "listed"),
            "killed while waiting for": call,
            "listing live while the adapter was dead": len(live_while_down),
            "listings on the stand-in afterwards": len(listings),
            "offers for the SKU": len(offers),
            "offer creations / publish calls": f"{offer_posts} / {publish_calls}",
            "duplicates absorbed (adapter inbox)": log_count(ebay_log, "duplicate message ignored")
            - dups_before,
            "restart (spawn -> ready)": f"{restart_s:.1f} s",
            "recovery (kill -> publication listed)": f"{recovered_s:.1f} s",
            "gateway answers meanwhile": dict(sorted(prober.statuses.items())),
            "5xx (or no answer)": server_errors,
        },
    )
    assert len(listings) == 1, listings
    assert listings[0]["status"] == "ACTIVE", listings[0]
    assert len(offers) == 1, offers
    assert pub["external_id"] == listings[0]["listingId"], (pub, listings[0])
    assert server_errors == 0, prober.statuses
