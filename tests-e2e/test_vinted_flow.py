"""Vinted through the plugin, end to end: the fleet's relay, marketplace-vinted, catalog, eBay and the sandboxes.

Each test registers its own seller and pairs its own plugin stand-in (run in a thread, so that a test can
take it offline or make it drop the socket mid-job) against its own Vinted session in sandbox-vinted. The
time from a sale reaching Vitrine to the delist call starting on the other marketplace is written to
``.run/e2e-delist-latency.json`` and printed (``-s``).
"""

from __future__ import annotations

import io
import itertools
import json
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_samples import ThreadedPlugin, jeans
from PIL import Image
from sandbox_vinted.plugin import Switches
from vitrine_kit.testing.helpers import eventually_sync as eventually

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"
VINTED = "/api/marketplaces/vinted"
LATENCIES: dict[str, list[float]] = {}


def ts(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def photo(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (600, 800), colour).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


class Seller:
    """A fresh seller: account, tokens, a Vinted session in the sandbox and a paired plugin."""

    def __init__(self, api: httpx.Client, fleet: Any) -> None:
        self.api, self.fleet = api, fleet
        self.email = f"vinted-{uuid.uuid4().hex[:10]}@example.com"
        registered = api.post("/api/auth/register", json={"email": self.email, "password": PASSWORD})
        assert registered.status_code == 201, registered.text
        login = api.post("/api/auth/login", json={"email": self.email, "password": PASSWORD}).json()
        self.auth = {"Authorization": f"Bearer {login['access_token']}"}
        self.vinted_url = fleet.url("sandbox-vinted")
        session = httpx.post(f"{self.vinted_url}/_control/sessions", json={"login": "e2e_seller"}).json()
        self.vinted_token, self.vinted_user = session["access_token"], session["user_id"]
        self.plugin: ThreadedPlugin | None = None

    def get(self, path: str, **kw: Any) -> Any:
        response = self.api.get(path, headers=self.auth, **kw)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, body: Any = None, expect: int = 200, **kw: Any) -> Any:
        response = self.api.post(path, json=body, headers=self.auth, **kw)
        assert response.status_code == expect, response.text
        return response.json()

    def subscribe(self, plan: str) -> None:
        """Pay ``plan`` on the Stripe stand-in and wait until catalog's product limit follows it."""
        checkout = self.api.post("/api/billing/checkout/subscription", json={"plan": plan}, headers=self.auth)
        assert checkout.status_code == 201, checkout.text
        stripe = self.fleet.url("sandbox-stripe")
        session_id = checkout.json()["session_id"]
        paid = httpx.post(
            f"{stripe}/sandbox/checkout_sessions/{session_id}/complete", json={"outcome": "paid"}
        )
        assert paid.status_code == 200, paid.text
        eventually(lambda: self.get("/api/catalog/quota")["plan"] == plan, timeout=30)

    def pair(self, switches: Switches | None = None) -> ThreadedPlugin:
        code = self.post("/api/auth/plugin/pairing-codes", expect=201)["code"]
        paired = self.api.post("/api/auth/plugin/pair", json={"code": code, "device_name": "e2e browser"})
        assert paired.status_code in (200, 201), paired.text
        self.plugin = ThreadedPlugin(
            self.fleet.url("relay-service"),
            paired.json()["access_token"],
            self.vinted_url,
            self.vinted_token,
            switches or Switches(),
        )
        self.plugin.online()
        eventually(lambda: self.get(f"{VINTED}/account")["plugins_online"] == 1, timeout=15)
        return self.plugin

    def fast_pacing(
        self, writes_per_hour: int = 200, gap: float = 0.0, pause_every: int = 0
    ) -> dict[str, Any]:
        body = {
            "writes_per_hour": writes_per_hour,
            "min_gap_s": gap,
            "max_gap_s": gap,
            "pause_every": pause_every,
            "pause_s": 0,
        }
        response = self.api.put(f"{VINTED}/account/pacing", json=body, headers=self.auth)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def connect_ebay(self) -> None:
        start = self.post("/api/marketplaces/ebay/oauth/authorize", {"site": "EBAY_FR"})
        consent = httpx.get(start["authorize_url"], follow_redirects=False)
        assert consent.status_code == 302, consent.text
        back = self.api.get(consent.headers["location"], follow_redirects=False)  # the browser's cookie
        assert "ebay=connected" in back.headers["location"], back.headers
        account = back.headers["location"].split("account_id=")[1]
        address = {"country": "FR", "postal_code": "75011", "city": "Paris"}
        assert self.post(f"/api/marketplaces/ebay/accounts/{account}/setup", {"address": address})["ready"]

    def connect_etsy(self) -> None:
        """Etsy's consent as a browser follows it: one client keeps the connection's cookie."""
        with httpx.Client(base_url=str(self.api.base_url), timeout=30) as browser:
            start = browser.post("/api/marketplaces/etsy/oauth/authorize", headers=self.auth)
            assert start.status_code == 200, start.text
            consent = browser.get(start.json()["authorize_url"])
            back = browser.get(consent.headers["location"])
            assert "etsy=connected" in back.headers["location"], back.headers

    def upload_photo(self, colour: tuple[int, int, int] = (20, 40, 160)) -> str:
        files = [("files", ("front.jpg", photo(colour), "image/jpeg"))]
        uploaded = self.api.post("/api/media/images", files=files, headers=self.auth)
        assert uploaded.status_code == 201, uploaded.text
        return str(uploaded.json()["results"][0]["image"]["id"])

    def product(self, title: str, media_id: str, ready: bool = True) -> str:
        body = jeans(title, [media_id])
        product = str(self.post("/api/catalog/products", body, expect=201)["id"])
        if ready:
            self.post(f"/api/catalog/products/{product}/status", {"status": "ready"})
        return product

    def publish(self, product: str, marketplaces: list[str]) -> None:
        self.post(f"/api/catalog/products/{product}/publications", {"marketplaces": marketplaces}, expect=202)

    def publication(self, product: str, marketplace: str, status: str = "listed") -> dict[str, Any] | None:
        pubs = self.get(f"/api/catalog/products/{product}/publications")
        found = next((p for p in pubs if p["marketplace"] == marketplace), None)
        assert found is None or found["status"] != "failed", found
        return found if found and found["status"] == status else None

    def vinted_items(self) -> list[dict[str, Any]]:
        items = httpx.get(f"{self.vinted_url}/_control/items").json()
        return [i for i in items if i["user_id"] == self.vinted_user]

    def vinted_writes(self) -> list[dict[str, Any]]:
        writes = httpx.get(f"{self.vinted_url}/_control/writes").json()
        return [w for w in writes if w["user_id"] == self.vinted_user]

    def ebay_listing(self, title: str) -> dict[str, Any] | None:
        listings = httpx.get(f"{self.fleet.url('sandbox-ebay')}/sandbox/listings").json()
        return next((x for x in listings if x["title"] == title), None)


@pytest.fixture
def seller(api: httpx.Client, fleet: Any) -> Iterator[Seller]:
    s = Seller(api, fleet)
    yield s
    if s.plugin is not None:
        s.plugin.close()


@pytest.fixture(scope="module", autouse=True)
def latency_report() -> Iterator[None]:
    yield
    if not LATENCIES:
        return
    report = {
        name: {
            "samples": len(v),
            "p50_s": round(sorted(v)[len(v) // 2], 3),
            "p99_s": round(sorted(v)[min(len(v) - 1, round(0.99 * (len(v) - 1)))], 3),
            "max_s": round(max(v), 3),
            "values_s": [round(x, 3) for x in v],
        }
        for name, v in LATENCIES.items()
    }
    out = ROOT / ".run" / "e2e-delist-latency.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"\nsale reaching Vitrine → delist call starting elsewhere: {json.dumps(report)}")


def listed_on_both(
    s: Seller, title: str, colour: tuple[int, int, int] = (20, 40, 160)
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A product published to eBay and Vinted, live on both sandboxes."""
    product = s.product(title, s.upload_photo(colour))
    s.publish(product, ["ebay", "vinted"])
    eventually(lambda: s.publication(product, "ebay") and s.publication(product, "vinted"), timeout=40)
    vinted_pub = s.publication(product, "vinted")
    assert vinted_pub is not None
    item = next(i for i in s.vinted_items() if str(i["id"]) == vinted_pub["external_id"])
    assert item["title"] == title
    assert not item["is_closed"]
    assert len(item["assigned_photos"]) == 1
    listing = s.ebay_listing(title)
    assert listing is not None
    assert listing["status"] == "ACTIVE", listing
    return product, item, listing


def item_deleted(s: Seller, item_id: int) -> dict[str, Any] | None:
    item = next(i for i in s.vinted_items() if i["id"] == item_id)
    return item if item["item_closing_action"] == "deleted" else None


def delete_started(s: Seller, item_id: int) -> float:
    """When sandbox-vinted received the delete call of ``item_id`` (the plugin's write)."""
    path = f"/api/v2/items/{item_id}/delete"
    return float(next(w["at"] for w in s.vinted_writes() if w["path"] == path))


class TestFleetPlugin:
    def test_the_fleets_plugin_stand_in_is_connected_for_the_demo_seller(self, api: httpx.Client) -> None:
        login = api.post(
            "/api/auth/login", json={"email": "demo@example.com", "password": "demo-password-123"}
        )
        assert login.status_code == 200, login.text
        auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
        account = eventually(
            lambda: (a := api.get(f"{VINTED}/account", headers=auth).json())["logged_in"] and a, timeout=15
        )
        assert account["plugins_online"] == 1
        assert account["login"] == "demo_seller"
        assert account["pacing"]["writes_per_hour"] == 50


class TestSaleDelistsEverywhere:
    def test_vinted_sale_withdraws_the_ebay_listing(self, seller: Seller) -> None:
        seller.connect_ebay()
        seller.pair()
        seller.fast_pacing()
        title = f"Levi's 501 jeans {uuid.uuid4().hex[:6]}"
        product, item, _ = listed_on_both(seller, title)

        sold = httpx.post(f"{seller.vinted_url}/_control/items/{item['id']}/sell", json={"buyer": "marie"})
        assert sold.status_code == 200, sold.text
        sync = seller.post(f"{VINTED}/sync", expect=202)
        eventually(lambda: seller.ebay_listing(title)["status"] == "ENDED", timeout=15, interval=0.05)
        seen_ended = time.time()
        jobs = {j["id"]: j for j in seller.get(f"{VINTED}/jobs", params={"limit": 100})["items"]}
        synced_at = ts(jobs[sync[0]["id"]]["completed_at"])  # the sale reached Vitrine with this result
        LATENCIES.setdefault("vinted sale → eBay withdraw (upper bound: withdraw seen)", []).append(
            seen_ended - synced_at
        )
        found = seller.get(f"/api/catalog/products/{product}")
        assert found["status"] == "sold"
        assert found["stock_quantity"] == 0
        assert seller.publication(product, "ebay", status="delisted")
        assert seen_ended - synced_at < 10

    def test_ebay_sales_delete_the_vinted_items_through_the_plugin(self, seller: Seller) -> None:
        seller.connect_ebay()
        seller.pair()
        seller.fast_pacing()
        media_id, tag = seller.upload_photo(), uuid.uuid4().hex[:6]
        titles = [f"Levi's 501 jeans {tag} {n}" for n in range(6)]
        products = [seller.product(t, media_id) for t in titles]
        for product in products:
            seller.publish(product, ["ebay", "vinted"])
        eventually(
            lambda: all(seller.publication(p, "ebay") and seller.publication(p, "vinted") for p in products),
            timeout=60,
        )
        items = {t: i for i in seller.vinted_items() if (t := i["title"]) in titles}
        assert len(items) == len(titles)

        sandbox = seller.fleet.url("sandbox-ebay")
        for title in titles:  # several sales, some in one order poll, some in the next
            listing = seller.ebay_listing(title)
            assert listing is not None
            sold = httpx.post(
                f"{sandbox}/sandbox/listings/{listing['listingId']}/sell", json={"buyer": "marie"}
            )
            assert sold.status_code == 200, sold.text
            time.sleep(0.4)
        eventually(lambda: all(item_deleted(seller, i["id"]) for i in items.values()), timeout=30)
        samples = LATENCIES.setdefault("eBay sale → Vinted delete call", [])
        for product, title in zip(products, titles, strict=True):
            sold_at = ts(seller.get(f"/api/catalog/products/{product}")["sold_at"])
            samples.append(delete_started(seller, items[title]["id"]) - sold_at)
            eventually(lambda p=product: seller.publication(p, "vinted", status="delisted"), timeout=10)
        assert max(samples) < 5, samples  # the goal is 2 s at p99; 5 s keeps a loaded machine from flaking

    def test_plugin_offline_at_the_sale_alerts_then_delists_on_reconnect(self, seller: Seller) -> None:
        seller.connect_ebay()
        plugin = seller.pair()
        seller.fast_pacing()
        title = f"Levi's 501 jeans {uuid.uuid4().hex[:6]}"
        product, item, listing = listed_on_both(seller, title)

        plugin.offline()
        eventually(lambda: seller.get(f"{VINTED}/account")["plugins_online"] == 0, timeout=10)
        httpx.post(
            f"{seller.fleet.url('sandbox-ebay')}/sandbox/listings/{listing['listingId']}/sell", json={}
        )
        alerts = eventually(
            lambda: [
                a for a in seller.get(f"{VINTED}/alerts")["items"] if a["kind"] == "delist_waiting_for_plugin"
            ],
            timeout=20,
        )
        assert "plugin" in alerts[0]["message"]
        assert not item_deleted(seller, item["id"])

        reconnected = time.time()
        plugin.online()
        eventually(lambda: item_deleted(seller, item["id"]), timeout=10)
        LATENCIES.setdefault("plugin back → Vinted delete call", []).append(
            delete_started(seller, item["id"]) - reconnected
        )
        eventually(lambda: not seller.get(f"{VINTED}/alerts")["items"], timeout=10)
        eventually(lambda: seller.publication(product, "vinted", status="delisted"), timeout=10)

    def test_a_vinted_bundle_of_two_marks_both_sold_and_withdraws_each_on_ebay_once(
        self, seller: Seller
    ) -> None:
        seller.connect_ebay()
        seller.pair()
        seller.fast_pacing()
        tag = uuid.uuid4().hex[:6]
        both = [
            listed_on_both(seller, f"Levi's 501 jeans {tag} {n}", colour)
            for n, colour in enumerate([(20, 40, 160), (160, 40, 20)])
        ]

        bundle = httpx.post(
            f"{seller.vinted_url}/_control/bundles",
            json={"item_ids": [item["id"] for _, item, _ in both], "buyer": "lea"},
        )
        assert bundle.status_code == 200, bundle.text
        assert len(bundle.json()["items"]) == 2  # one transaction, two items
        seller.post(f"{VINTED}/sync", expect=202)
        for _, _, listing in both:
            eventually(
                lambda t=listing["title"]: (seller.ebay_listing(t) or {}).get("status") == "ENDED", timeout=20
            )
        ebay = seller.fleet.url("sandbox-ebay")

        def withdrawals(listing: dict[str, Any]) -> list[Any]:
            [offer] = httpx.get(f"{ebay}/sandbox/offers", params={"sku": listing["sku"]}).json()
            path = f"/offer/{offer['offerId']}/withdraw"
            return list(httpx.get(f"{ebay}/sandbox/calls", params={"path_contains": path}).json())

        for product, _, listing in both:
            found = eventually(
                lambda p=product: (f := seller.get(f"/api/catalog/products/{p}"))["status"] == "sold" and f
            )
            assert found["stock_quantity"] == 0
            eventually(lambda p=product: seller.publication(p, "ebay", status="delisted"), timeout=10)
            assert len(withdrawals(listing)) == 1  # exactly once each
        seller.post(f"{VINTED}/sync", expect=202)  # the same bundle seen again changes nothing
        time.sleep(3.0)
        for _, _, listing in both:
            assert len(withdrawals(listing)) == 1


class TestPluginTrouble:
    def test_disconnect_mid_publish_makes_exactly_one_vinted_item(self, seller: Seller) -> None:
        seller.pair(Switches(disconnect_mid_job={"publish"}, reconnect_after_s=0.5))
        seller.fast_pacing()
        title = f"Levi's 501 jeans {uuid.uuid4().hex[:6]}"
        product = seller.product(title, seller.upload_photo())
        seller.publish(product, ["vinted"])
        pub = eventually(lambda: seller.publication(product, "vinted"), timeout=30)
        assert seller.plugin is not None
        assert seller.plugin.plugin._interrupted, "the socket was dropped mid-publish"
        items = [i for i in seller.vinted_items() if i["title"] == title]
        assert len(items) == 1
        assert pub["external_id"] == str(items[0]["id"])
        creates = [w for w in seller.vinted_writes() if w["path"] == "/api/v2/item_upload/items"]
        assert len(creates) == 1

    def test_pacing_holds_under_a_burst_of_50_publishes(self, seller: Seller) -> None:
        seller.subscribe("pro")  # 50 products are more than the free plan keeps
        seller.pair()
        # 20 writes an hour, 10 of them kept for delists: 10 publishes may go, 0.3 s apart.
        seller.fast_pacing(writes_per_hour=20, gap=0.3)
        media_id = seller.upload_photo((90, 90, 90))
        tag = uuid.uuid4().hex[:6]
        products = [seller.product(f"Burst {tag} n{n:02d} jeans", media_id, ready=False) for n in range(50)]
        ready = seller.post(
            "/api/catalog/products/bulk", {"action": "status", "ids": products, "status": "ready"}
        )
        assert ready["failed"] == 0, ready
        started = time.time()
        published = seller.post(
            "/api/catalog/products/bulk", {"action": "publish", "ids": products, "marketplaces": ["vinted"]}
        )
        assert published["failed"] == 0, published

        try:
            eventually(lambda: len(seller.vinted_items()) >= 10, timeout=30)
        except AssertionError:
            jobs = [
                (j["kind"], j["status"], j["attempt"], j["error"])
                for j in seller.get(f"{VINTED}/jobs", params={"limit": 100})["items"]
            ]
            raise AssertionError(
                f"{len(seller.vinted_items())} items; account {seller.get(f'{VINTED}/account')}; jobs {jobs}"
            ) from None
        time.sleep(2.0)  # longer than several gaps: nothing more may go out
        items = seller.vinted_items()
        assert len(items) == 10
        assert len({i["title"] for i in items}) == 10
        writes = sorted(w["at"] for w in seller.vinted_writes())
        assert len(writes) == 10
        assert all(b - a >= 0.29 for a, b in itertools.pairwise(writes)), writes
        assert writes[-1] - started >= 9 * 0.29
        account = seller.get(f"{VINTED}/account")
        assert account["pacing"]["used_last_hour"] == 10
        assert account["pacing"]["remaining"] == 10  # the delist reserve

        def queued() -> list[dict[str, Any]]:
            jobs = seller.get(f"{VINTED}/jobs", params={"status": "queued", "limit": 100})["items"]
            return [j for j in jobs if j["kind"] == "publish"]

        # The other 40 wait their turn (the last requests may still be on their way to a job on a busy machine).
        eventually(lambda: len(queued()) == 40, timeout=30)
        assert len(seller.vinted_items()) == 10
        listed = [p for p in products if seller.publication(p, "vinted")]
        assert len(listed) == 10


class TestPlanLimits:
    def test_a_third_marketplace_is_refused_naming_the_plan(self, seller: Seller) -> None:
        seller.subscribe("starter")  # two marketplaces
        seller.connect_ebay()
        seller.pair()
        eventually(lambda: seller.get(f"{VINTED}/account")["logged_in"], timeout=15)
        refused = seller.api.post("/api/marketplaces/etsy/oauth/authorize", headers=seller.auth)
        assert refused.status_code == 402, refused.text
        problem = refused.json()
        assert problem["type"].endswith("/marketplace-limit-reached")
        assert (problem["plan"], problem["limit"], problem["connected"]) == ("starter", 2, ["ebay", "vinted"])
        assert "starter plan" in problem["detail"]


class TestEtsySaleEverywhere:
    def test_a_two_line_etsy_receipt_delists_both_products_on_ebay_and_vinted(self, seller: Seller) -> None:
        seller.connect_ebay()
        seller.connect_etsy()
        seller.pair()
        seller.fast_pacing()
        tag = uuid.uuid4().hex[:6]
        titles = [f"Levi's 501 jeans {tag} {n}" for n in range(2)]
        colours = [(20, 40, 160), (160, 40, 20)]
        products = [seller.product(t, seller.upload_photo(c)) for t, c in zip(titles, colours, strict=True)]
        for product in products:
            seller.publish(product, ["ebay", "etsy", "vinted"])
        eventually(
            lambda: all(seller.publication(p, m) for p in products for m in ("ebay", "etsy", "vinted")),
            timeout=90,
        )
        items = {t: i for i in seller.vinted_items() if (t := i["title"]) in titles}
        lines = [
            {"listing_id": int((seller.publication(p, "etsy") or {})["external_id"]), "quantity": 1}
            for p in products
        ]
        etsy = seller.fleet.url("sandbox-etsy")
        receipt = httpx.post(f"{etsy}/sandbox/receipts", json={"lines": lines, "buyer": "paul"})
        assert receipt.status_code == 200, receipt.text
        started = time.monotonic()
        eventually(lambda: all(item_deleted(seller, i["id"]) for i in items.values()), timeout=40)
        for title in titles:
            eventually(lambda t=title: (seller.ebay_listing(t) or {}).get("status") == "ENDED", timeout=20)
        print(f"\netsy receipt of two lines → both delisted on eBay and Vinted: {time.monotonic() - started:.1f} s "
              "(receipts polled every 2 s in this fleet)")  # fmt: skip
        samples = LATENCIES.setdefault("Etsy sale → Vinted delete call", [])
        for product, title in zip(products, titles, strict=True):
            sold_at = ts(seller.get(f"/api/catalog/products/{product}")["sold_at"])
            samples.append(delete_started(seller, items[title]["id"]) - sold_at)
        deletes = [w for w in seller.vinted_writes() if w["path"].endswith("/delete")]
        assert sorted(w["path"] for w in deletes) == sorted(
            f"/api/v2/items/{items[t]['id']}/delete" for t in titles
        )  # once each
        assert max(samples) < 5, samples  # the goal is 2 s at p99 once the receipt is seen


# Last in the file (and the e2e files run vinted last): catalog digests 60,000 brands for a while after this.
class TestReferenceIds:
    # 60,000 brands in parts, then a publish: minutes on a loaded machine
    @pytest.mark.timeout(480, func_only=True)
    def test_a_vinted_publish_carries_size_brand_colour_status_and_package_ids(self, seller: Seller) -> None:
        seller.pair()
        seller.fast_pacing()
        refreshed = seller.post(f"{VINTED}/reference/refresh", {"catalog_ids": [257]}, expect=202)
        assert len(refreshed) == 6
        asked = {j["id"] for j in refreshed}

        def finished() -> list[dict[str, Any]] | None:
            jobs = [
                j for j in seller.get(f"{VINTED}/jobs", params={"limit": 100})["items"] if j["id"] in asked
            ]
            return jobs if all(j["completed_at"] for j in jobs) else None

        jobs = eventually(finished, timeout=60)
        assert [j["status"] for j in jobs] == ["succeeded"] * 6, [(j["status"], j["error"]) for j in jobs]

        def from_vinted() -> dict[str, Any] | None:
            found = seller.get(
                "/api/catalog/reference/mappings/vinted", params={"kind": "category", "code": "jeans"}
            )
            men = next(m for m in found if m["gender"] == "men")
            return men if men["data"].get("source") == "vinted" else None

        jeans = eventually(from_vinted, timeout=20)
        assert jeans["data"]["path"] == "Men > Clothing > Jeans"

        def brand(q: str) -> list[dict[str, Any]] | None:
            return seller.get("/api/catalog/reference/brands", params={"q": q})["items"] or None

        # 60,000 brands (about 5 MB) cross the relay's 1 MB messages in parts, each its own job and event.
        assert eventually(lambda: brand("wool zephyr works"), timeout=180), "the last part reached catalog"
        assert brand("maison lune"), "Vinted's brands joined the shared list"

        def all_parts() -> list[dict[str, Any]] | None:
            parts = [
                j
                for j in seller.get(f"{VINTED}/jobs", params={"limit": 100})["items"]
                if j["kind"] == "fetch_reference"
            ]
            # 6 lists, the first brand part among them; ~5 MB of brands in parts of at most 800 KB: 7 or more
            done = all(j["completed_at"] for j in parts)
            return parts if done and len([j for j in parts if j["status"] == "succeeded"]) >= 12 else None

        parts = eventually(all_parts, timeout=180)
        assert not [j for j in parts if j["status"] == "failed"], [j["error"] for j in parts]

        title = f"Levi's 501 jeans {uuid.uuid4().hex[:6]}"
        product = seller.product(title, seller.upload_photo())
        seller.publish(product, ["vinted"])
        pub = eventually(lambda: seller.publication(product, "vinted"), timeout=30)
        item = next(i for i in seller.vinted_items() if str(i["id"]) == pub["external_id"])
        assert (item["catalog_id"], item["status_id"], item["brand_id"]) == (257, 2, 53)
        assert item["size_id"] == 1628  # W32 in the men's waist group
        assert item["color_ids"] == [9]
        assert item["package_size_id"] == 1
        attributes = {a["code"]: a["ids"] for a in item["item_attributes"]}
        assert attributes == {"condition": [2], "size": [1628]}
