"""Etsy through the gateway, as a seller would: connect the shop (consent on the stand-in, back through the
gateway's callback with the browser's cookie) → setup checklist → a product with photos published to Etsy
and eBay → it sells on Etsy → catalog shows it sold and the eBay listing is withdrawn; one receipt of three
lines sells three products; a product priced in EUR goes to a GBP shop converted at catalog's rates."""

from __future__ import annotations

import io
import time
import uuid
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
from e2e_samples import jeans
from PIL import Image
from vitrine_kit.testing.helpers import eventually_sync as eventually

ETSY = "/api/marketplaces/etsy"


def photo(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 1000), colour).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


class Shop:
    """A seller with an Etsy shop connected (and eBay, when asked) through the gateway."""

    def __init__(self, api: httpx.Client, fleet: Any, auth: dict[str, str]) -> None:
        self.api, self.fleet, self.auth = api, fleet, auth
        self.sandbox = fleet.url("sandbox-etsy")

    def get(self, path: str, **params: Any) -> Any:
        response = self.api.get(path, params=params, headers=self.auth)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, body: dict[str, Any], expect: int = 200) -> Any:
        response = self.api.post(path, json=body, headers=self.auth)
        assert response.status_code == expect, response.text
        return response.json()

    def connect_etsy(self, **shop: str) -> str:
        """The consent link, followed as a browser does (the api client keeps the connection cookie);
        ``shop``: the stand-in's extras for a new shop (``country``, ``currency``)."""
        start = self.post(f"{ETSY}/oauth/authorize", {})
        assert start["authorize_url"].startswith(f"{self.sandbox}/oauth/connect?")
        # Appended, not passed as ``params``: httpx would replace the link's own query (client_id, state…).
        consent = self.api.get(start["authorize_url"] + "".join(f"&{k}={v}" for k, v in shop.items()))
        assert consent.status_code == 302, consent.text
        assert consent.headers["location"].startswith(f"{self.fleet.url('gateway')}{ETSY}/oauth/callback?")
        back = self.api.get(consent.headers["location"])
        assert back.status_code == 303, back.text
        query = parse_qs(urlparse(back.headers["location"]).query)
        assert query["etsy"] == ["connected"], back.headers["location"]
        return query["account_id"][0]

    def connect_ebay(self) -> None:
        start = self.post("/api/marketplaces/ebay/oauth/authorize", {"site": "EBAY_FR"})
        consent = httpx.get(start["authorize_url"])
        back = self.api.get(consent.headers["location"])  # the browser that started it
        assert "ebay=connected" in back.headers["location"], back.headers
        account = back.headers["location"].split("account_id=")[1]
        address = {"country": "FR", "postal_code": "75011", "city": "Paris"}
        assert self.post(f"/api/marketplaces/ebay/accounts/{account}/setup", {"address": address})["ready"]

    def product(self, title: str, colours: list[tuple[int, int, int]]) -> tuple[str, list[str]]:
        files = [("files", (f"{i}.jpg", photo(c), "image/jpeg")) for i, c in enumerate(colours)]
        uploaded = self.api.post("/api/media/images", files=files, headers=self.auth)
        assert uploaded.status_code == 201, uploaded.text
        media_ids = [str(r["image"]["id"]) for r in uploaded.json()["results"]]
        product = str(self.post("/api/catalog/products", jeans(title, media_ids), expect=201)["id"])
        self.post(f"/api/catalog/products/{product}/status", {"status": "ready"})
        return product, media_ids

    def publication(self, product: str, marketplace: str, status: str = "listed") -> dict[str, Any] | None:
        pubs = self.get(f"/api/catalog/products/{product}/publications")
        found = next((p for p in pubs if p["marketplace"] == marketplace), None)
        assert found is None or found["status"] != "failed", found
        return found if found and found["status"] == status else None

    def published(self, product: str, marketplaces: list[str]) -> dict[str, dict[str, Any]]:
        body = {"marketplaces": marketplaces}
        self.post(f"/api/catalog/products/{product}/publications", body, expect=202)
        eventually(lambda: all(self.publication(product, m) for m in marketplaces), timeout=40)
        return {m: self.publication(product, m) or {} for m in marketplaces}

    def etsy_listing(self, listing_id: str) -> dict[str, Any]:
        response = httpx.get(f"{self.sandbox}/sandbox/listings/{listing_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def sold(self, product: str) -> dict[str, Any] | None:
        found = self.get(f"/api/catalog/products/{product}")
        return found if found["status"] == "sold" else None


class TestEtsyFlow:
    def test_connect_publish_sell_delist_elsewhere(self, api: httpx.Client, fleet: Any, seller_auth) -> None:
        shop = Shop(api, fleet, seller_auth)
        account = shop.connect_etsy()
        assert shop.get(f"{ETSY}/account")["id"] == account
        setup = shop.get(f"{ETSY}/account/setup")
        assert setup["ready"], setup
        assert {i["item"] for i in setup["checklist"] if i["ok"]} >= {"shop", "shipping_profile"}
        shop.connect_ebay()

        title = f"Levi's 501 jeans {uuid.uuid4().hex[:6]}"
        product, media_ids = shop.product(title, [(20, 40, 160), (200, 40, 60)])
        pubs = shop.published(product, ["etsy", "ebay"])

        listing = shop.etsy_listing(pubs["etsy"]["external_id"])
        assert (listing["state"], listing["title"], listing["quantity"]) == ("active", title, 1)
        category = shop.get("/api/catalog/reference/mappings/etsy", kind="category", code="jeans")
        assert str(listing["taxonomy_id"]) in {c["external_id"] for c in category}
        # The photos are media-service's bytes, in the product's order.
        assert [i["rank"] for i in listing["images"]] == [1, 2]
        for image, media_id in zip(listing["images"], media_ids, strict=True):
            on_etsy = httpx.get(image["url_fullxfull"])
            own = api.get(
                f"/api/media/images/{media_id}/large.jpg", headers=seller_auth, follow_redirects=True
            )
            assert on_etsy.status_code == own.status_code == 200
            assert on_etsy.content == own.content

        # A buyer pays on Etsy: the next receipt poll reports it, catalog sells the product and delists eBay.
        receipt = httpx.post(
            f"{shop.sandbox}/sandbox/listings/{listing['listing_id']}/sell", json={"buyer": "marie"}
        )
        assert receipt.status_code == 200, receipt.text
        started = time.monotonic()
        sold = eventually(lambda: shop.sold(product), timeout=20)
        print(f"\netsy sale → catalog sold: {time.monotonic() - started:.1f} s")
        assert sold["stock_quantity"] == 0
        orders = shop.get("/api/catalog/orders", product_id=product)["items"]
        assert [(o["marketplace"], o["outcome"], o["quantity"], o["order_id"]) for o in orders] == [
            ("etsy", "applied", 1, str(receipt.json()["receipt_id"]))
        ]
        eventually(lambda: shop.publication(product, "ebay", status="delisted"), timeout=20)
        ebay = httpx.get(f"{fleet.url('sandbox-ebay')}/sandbox/listings").json()
        assert [x["status"] for x in ebay if x["title"] == title] == ["ENDED"]
        print(f"etsy sale → eBay delisted: {time.monotonic() - started:.1f} s")

    def test_one_receipt_of_three_lines_sells_three_products(
        self, api: httpx.Client, fleet: Any, seller_auth
    ) -> None:
        shop = Shop(api, fleet, seller_auth)
        shop.connect_etsy()
        products = []
        for n, colour in enumerate([(30, 30, 30), (90, 120, 200), (180, 160, 120)]):
            product, _ = shop.product(f"Levi's 501 jeans lot {n} {uuid.uuid4().hex[:6]}", [colour])
            products.append(product)
            shop.post(f"/api/catalog/products/{product}/publications", {"marketplaces": ["etsy"]}, expect=202)
        eventually(lambda: all(shop.publication(p, "etsy") for p in products), timeout=60)
        pubs = [shop.publication(p, "etsy") or {} for p in products]

        lines = [{"listing_id": int(p["external_id"]), "quantity": 1} for p in pubs]
        receipt = httpx.post(f"{shop.sandbox}/sandbox/receipts", json={"lines": lines, "buyer": "paul"})
        assert receipt.status_code == 200, receipt.text
        for product in products:
            eventually(lambda p=product: shop.sold(p), timeout=20)
        orders = [o for p in products for o in shop.get("/api/catalog/orders", product_id=p)["items"]]
        assert {o["order_id"] for o in orders} == {str(receipt.json()["receipt_id"])}
        assert len({o["line_id"] for o in orders}) == 3

    def test_a_eur_product_goes_to_a_gbp_shop_in_gbp(
        self, api: httpx.Client, fleet: Any, seller_auth
    ) -> None:
        shop = Shop(api, fleet, seller_auth)
        shop.connect_etsy(country="GB", currency="GBP")
        # ECB's rates from the stand-in in sandbox-ebay, read by catalog on the seller's request.
        today = datetime.now(UTC).date().isoformat()
        ecb = {"rates": {"GBP": "0.8612", "PLN": "4.2810", "USD": "1.0512"}, "date": today}
        assert httpx.put(f"{fleet.url('sandbox-ebay')}/sandbox/ecb/rates", json=ecb).status_code == 204
        shop.post("/api/catalog/exchange-rates/refresh", {})
        rates = {r["currency"]: r for r in shop.get("/api/catalog/exchange-rates")["rates"]}
        assert (rates["GBP"]["rate"], rates["GBP"]["source"]) == ("0.86120000", "ecb")
        product, _ = shop.product(f"Levi's 501 jeans GB {uuid.uuid4().hex[:6]}", [(60, 60, 140)])
        priced = Decimal(shop.get(f"/api/catalog/products/{product}")["price"])
        pub = shop.published(product, ["etsy"])["etsy"]
        expected = (priced * Decimal(rates["GBP"]["rate"])).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert pub["price"]["currency"] == "GBP"
        assert Decimal(pub["price"]["amount"]) == expected
        assert pub["price"]["rate_source"] == rates["GBP"]["source"]
        listing = shop.etsy_listing(pub["external_id"])
        assert listing["price"]["currency_code"] == "GBP"
        assert Decimal(listing["price"]["amount"]) / listing["price"]["divisor"] == expected
        kept = shop.get(f"{ETSY}/listings")["items"]
        assert [(Decimal(x["price"]), x["currency"]) for x in kept] == [(expected, "GBP")]
