"""Through the gateway, as a seller would: register → connect eBay → product with two photos → publish to
eBay → the sandbox holds the listing → it sells there → catalog shows the product sold."""

from __future__ import annotations

import io
import uuid
from typing import Any

import httpx
from e2e_samples import jeans
from PIL import Image
from vitrine_kit.testing.helpers import eventually_sync as eventually


def photo(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 1000), colour).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


class TestEbayFlow:
    def test_connect_publish_sell(self, api: httpx.Client, fleet) -> None:
        email = f"seller-{uuid.uuid4().hex[:10]}@example.com"
        assert (
            api.post(
                "/api/auth/register", json={"email": email, "password": "correct horse battery"}
            ).status_code
            == 201
        )
        tokens = api.post(
            "/api/auth/login", json={"email": email, "password": "correct horse battery"}
        ).json()
        auth = {"Authorization": f"Bearer {tokens['access_token']}"}

        # Connect eBay: the consent page (the sandbox) sends the browser back through the gateway.
        start = api.post("/api/marketplaces/ebay/oauth/authorize", json={"site": "EBAY_FR"}, headers=auth)
        assert start.status_code == 200, start.text
        consent = httpx.get(start.json()["authorize_url"], follow_redirects=False)
        assert consent.status_code == 302, consent.text
        back = api.get(consent.headers["location"], follow_redirects=False)  # the browser that started it
        assert back.status_code == 303, back.text
        assert "ebay=connected" in back.headers["location"]
        account = back.headers["location"].split("account_id=")[1]
        setup = api.post(
            f"/api/marketplaces/ebay/accounts/{account}/setup",
            json={"address": {"country": "FR", "postal_code": "75011", "city": "Paris"}},
            headers=auth,
        )
        assert setup.status_code == 200, setup.text
        assert setup.json()["ready"], setup.json()

        # A product with two photos.
        files = [
            ("files", ("front.jpg", photo((20, 40, 160)), "image/jpeg")),
            ("files", ("back.jpg", photo((200, 40, 60)), "image/jpeg")),
        ]
        uploaded = api.post("/api/media/images", files=files, headers=auth)
        assert uploaded.status_code == 201, uploaded.text
        media_ids = [r["image"]["id"] for r in uploaded.json()["results"]]
        assert len(set(media_ids)) == 2
        body = jeans("Levi's 501 straight jeans", media_ids)
        created = api.post("/api/catalog/products", json=body, headers=auth)
        assert created.status_code == 201, created.text
        product = created.json()["id"]
        ready = api.post(f"/api/catalog/products/{product}/status", json={"status": "ready"}, headers=auth)
        assert ready.status_code == 200, ready.text

        # Publish to eBay.
        published = api.post(
            f"/api/catalog/products/{product}/publications", json={"marketplaces": ["ebay"]}, headers=auth
        )
        assert published.status_code == 202, published.text

        def ebay_publication() -> dict[str, Any] | None:
            pubs = api.get(f"/api/catalog/products/{product}/publications", headers=auth).json()
            found = next((p for p in pubs if p["marketplace"] == "ebay"), None)
            assert found is None or found["status"] != "failed", found
            return found if found and found["status"] == "listed" else None

        eventually(ebay_publication)
        sandbox = fleet.url("sandbox-ebay")
        listings = [
            x
            for x in httpx.get(f"{sandbox}/sandbox/listings", params={"status": "ACTIVE"}).json()
            if x["sellerUsername"] and x["title"] == body["title"]
        ]
        assert len(listings) == 1, listings
        listing = listings[0]
        category = api.get(
            "/api/catalog/reference/mappings/ebay", params={"kind": "category", "code": "jeans"}, headers=auth
        ).json()
        condition = api.get(
            "/api/catalog/reference/mappings/ebay",
            params={"kind": "condition", "code": "very_good"},
            headers=auth,
        ).json()
        assert (listing["price"], listing["currency"]) == ("35.00", "EUR")
        assert listing["condition"] in {c["external_id"] for c in condition}
        assert listing["categoryId"] in {c["external_id"] for c in category}
        assert len(listing["imageUrls"]) == 2
        # eBay fetches the photos itself: signed URLs through the gateway, the product's photos in order.
        for url, media_id in zip(listing["imageUrls"], media_ids, strict=True):
            fetched = httpx.get(url, timeout=10)
            assert fetched.status_code == 200, url
            assert fetched.headers["content-type"] == "image/jpeg"
            own = api.get(f"/api/media/images/{media_id}/large.jpg", headers=auth, follow_redirects=True)
            assert own.status_code == 200
            assert fetched.content == own.content

        # It sells on eBay: within a few seconds of the next poll, catalog has the order and the product sold.
        sold = httpx.post(f"{sandbox}/sandbox/listings/{listing['listingId']}/sell", json={"buyer": "marie"})
        assert sold.status_code == 200, sold.text

        def product_sold() -> dict[str, Any] | None:
            found = api.get(f"/api/catalog/products/{product}", headers=auth).json()
            return found if found["status"] == "sold" else None

        sold_product = eventually(product_sold, timeout=20)
        assert sold_product["stock_quantity"] == 0
        assert sold_product["sold_at"]
        orders = api.get("/api/catalog/orders", params={"product_id": product}, headers=auth).json()["items"]
        assert len(orders) == 1, orders
        assert (orders[0]["marketplace"], orders[0]["outcome"], orders[0]["quantity"]) == (
            "ebay",
            "applied",
            1,
        )
        assert orders[0]["external_listing_id"] == listing["listingId"]
        assert orders[0]["order_id"] == sold.json()["orderId"]
