"""After the sale on eBay, through the gateway and the eBay sandbox, as a seller (and a buyer) would:
a buyer's cancellation gives the stock back and the product can be listed again; a return opened by the buyer
is accepted, received and refunded through Vitrine; a payment dispute waits in the seller's action list with
its deadline; what eBay refuses (approving a cancellation once shipped, a return outside its window) comes
back as a clear 4xx. The fleet syncs after-sale cases every few seconds (EBAY_AFTER_SALE_INTERVAL_S)."""

from __future__ import annotations

import io
import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest
from e2e_samples import jeans
from PIL import Image
from vitrine_kit.testing.helpers import eventually_sync as eventually

EBAY = "/api/marketplaces/ebay"
PASSWORD = "correct horse battery"
DAY = 86_400


def photo() -> bytes:
    """A photo of its own (the same bytes twice are one image to media-service)."""
    colour = tuple(int(b) for b in uuid.uuid4().bytes[:3])
    buffer = io.BytesIO()
    Image.new("RGB", (800, 1000), colour).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


class Shop:
    """One registered seller with eBay FR connected and set up; the buyer's side is the sandbox."""

    def __init__(self, api: httpx.Client, sandbox: str) -> None:
        self.api, self.sandbox = api, sandbox
        email = f"seller-{uuid.uuid4().hex[:10]}@example.com"
        assert api.post("/api/auth/register", json={"email": email, "password": PASSWORD}).status_code == 201
        login = api.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        self.auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
        start = api.post(f"{EBAY}/oauth/authorize", json={"site": "EBAY_FR"}, headers=self.auth)
        assert start.status_code == 200, start.text
        consent = httpx.get(start.json()["authorize_url"], follow_redirects=False)
        back = api.get(consent.headers["location"], follow_redirects=False)
        assert "ebay=connected" in back.headers["location"], back.headers
        self.account = back.headers["location"].split("account_id=")[1]
        setup = self.post(
            f"{EBAY}/accounts/{self.account}/setup",
            {"address": {"country": "FR", "postal_code": "75011", "city": "Paris"}},
        )
        assert setup.json()["ready"], setup.json()

    def post(self, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return self.api.post(path, json=body if body is not None else {}, headers=self.auth)

    def get(self, path: str, **params: Any) -> Any:
        got = self.api.get(path, params=params, headers=self.auth)
        assert got.status_code == 200, got.text
        return got.json()

    def product(self, title: str) -> str:
        uploaded = self.api.post(
            "/api/media/images", files=[("files", ("front.jpg", photo(), "image/jpeg"))], headers=self.auth
        )
        assert uploaded.status_code == 201, uploaded.text
        media = [r["image"]["id"] for r in uploaded.json()["results"]]
        created = self.post("/api/catalog/products", jeans(title, media))
        assert created.status_code == 201, created.text
        product = str(created.json()["id"])
        ready = self.post(f"/api/catalog/products/{product}/status", {"status": "ready"})
        assert ready.status_code == 200, ready.text
        return product

    def publish(self, product: str) -> dict[str, Any]:
        """Publish on eBay and wait for the listing; returns the sandbox's view of it."""
        asked = self.post(f"/api/catalog/products/{product}/publications", {"marketplaces": ["ebay"]})
        assert asked.status_code == 202, asked.text

        def listed() -> dict[str, Any] | None:
            pubs = self.get(f"/api/catalog/products/{product}/publications")
            found = next((p for p in pubs if p["marketplace"] == "ebay"), None)
            assert found is None or found["status"] != "failed", found
            if not found or found["status"] != "listed":
                return None
            live = httpx.get(f"{self.sandbox}/sandbox/listings", params={"status": "ACTIVE"}).json()
            return next((x for x in live if x["listingId"] == found["external_id"]), None)

        return dict(eventually(listed, timeout=60))

    def sold(self, title: str) -> tuple[str, dict[str, Any]]:
        """A product listed on eBay and bought there; catalog has it sold. (product id, eBay's order)."""
        product = self.product(title)
        listing = self.publish(product)
        order = httpx.post(f"{self.sandbox}/sandbox/listings/{listing['listingId']}/sell", json={})
        assert order.status_code == 200, order.text
        eventually(lambda: self.stock(product) == 0 and self.status(product) == "sold", timeout=60)
        return product, order.json()

    def stock(self, product: str) -> int:
        return int(self.get(f"/api/catalog/products/{product}")["stock_quantity"])

    def status(self, product: str) -> str:
        return str(self.get(f"/api/catalog/products/{product}")["status"])

    def case(self, kind: str, order_id: str, **match: Any) -> dict[str, Any]:
        """Wait for the after-sale sync to show the order's ``kind`` case (matching ``match``)."""

        def found() -> dict[str, Any] | None:
            for case in self.get(f"{EBAY}/after-sale/actions", include_closed="true", limit=100)["items"]:
                wanted = case["kind"] == kind and case["order_id"] == order_id
                if wanted and all(case[k] == v for k, v in match.items()):
                    return dict(case)
            return None

        return dict(eventually(found, timeout=60))

    def ship(self, order_id: str) -> None:
        shipped = self.post(
            f"{EBAY}/orders/{order_id}/shipping", {"carrier": "COLISSIMO", "tracking_number": "6A12345678901"}
        )
        assert shipped.status_code == 201, shipped.text


@pytest.fixture(scope="module")
def shop(fleet) -> Any:
    with httpx.Client(base_url=fleet.url("gateway"), timeout=30) as api:
        yield Shop(api, fleet.url("sandbox-ebay"))


class TestEbayAfterSale:
    def test_a_buyers_cancellation_gives_the_stock_back_and_the_seller_lists_again(self, shop: Shop) -> None:
        product, order = shop.sold("Levi's 501 cancelled")
        asked = httpx.post(f"{shop.sandbox}/sandbox/orders/{order['orderId']}/cancellation-request", json={})
        assert asked.status_code == 201, asked.text
        case = shop.case("cancellation", order["orderId"], status="awaiting_seller")
        assert case["actions"] == ["approve_cancellation", "reject_cancellation"]
        assert datetime.fromisoformat(case["respond_by"]) > datetime.fromisoformat(case["opened_at"])
        approved = shop.post(f"{EBAY}/after-sale/cancellations/{case['id']}/approve")
        assert approved.status_code == 200, approved.text
        assert approved.json()["status"] == "closed"
        eventually(lambda: shop.stock(product) == 1, timeout=60)  # order.cancelled reached catalog
        [line] = shop.get("/api/catalog/orders", product_id=product)["items"]
        assert line["order_id"] == order["orderId"]
        # The seller lists it again: a new live eBay listing.
        ready = shop.post(f"/api/catalog/products/{product}/status", {"status": "ready"})
        assert ready.status_code == 200, ready.text
        again = shop.publish(product)
        assert again["listingId"] != order["lineItems"][0]["legacyItemId"]
        assert again["availableQuantity"] == 1

    def test_a_return_is_accepted_received_and_refunded_through_vitrine(self, shop: Shop) -> None:
        product, order = shop.sold("Levi's 501 returned")
        shop.ship(order["orderId"])
        assert httpx.post(f"{shop.sandbox}/sandbox/orders/{order['orderId']}/deliver").status_code == 200
        opened = httpx.post(
            f"{shop.sandbox}/sandbox/orders/{order['orderId']}/return-request", json={"reason": "WRONG_SIZE"}
        )
        assert opened.status_code == 201, opened.text
        case = shop.case("return", order["orderId"], status="awaiting_seller")
        assert case["respond_by"] is not None
        assert "accept_return" in case["actions"]
        accepted = shop.post(f"{EBAY}/after-sale/returns/{case['id']}/accept", {"comment": "Of course."})
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["status"] == "awaiting_buyer"
        sent_back = httpx.post(f"{shop.sandbox}/sandbox/returns/{opened.json()['returnId']}/ship", json={})
        assert sent_back.status_code == 200, sent_back.text
        received = shop.post(f"{EBAY}/after-sale/returns/{case['id']}/mark-received")
        assert received.status_code == 200, received.text
        assert received.json()["actions"] == ["refund_return"]
        refunded = shop.post(f"{EBAY}/after-sale/returns/{case['id']}/refund")
        assert refunded.status_code == 200, refunded.text
        assert refunded.json()["status"] == "closed"
        eventually(lambda: shop.stock(product) == 1, timeout=60)  # the item is back with the seller

    def test_a_payment_dispute_waits_in_the_action_list_with_its_deadline(self, shop: Shop) -> None:
        _, order = shop.sold("Levi's 501 disputed")
        opened = httpx.post(f"{shop.sandbox}/sandbox/orders/{order['orderId']}/payment-dispute", json={})
        assert opened.status_code == 201, opened.text
        case = shop.case("payment_dispute", order["orderId"])
        assert case["status"] == "awaiting_seller"
        assert case["actions"] == ["accept_dispute", "contest_dispute"]
        assert case["respond_by"][:16] == opened.json()["respondByDate"][:16]
        waiting = shop.get(f"{EBAY}/after-sale/actions", limit=100)["items"]
        assert case["id"] in [c["id"] for c in waiting]  # in the default list: the seller's move

    def test_what_ebay_refuses_comes_back_as_a_clear_4xx(self, shop: Shop) -> None:
        # Approving a cancellation once the order has shipped.
        product, order = shop.sold("Levi's 501 shipped")
        asked = httpx.post(f"{shop.sandbox}/sandbox/orders/{order['orderId']}/cancellation-request", json={})
        assert asked.status_code == 201, asked.text
        case = shop.case("cancellation", order["orderId"], status="awaiting_seller")
        shop.ship(order["orderId"])
        refused = shop.post(f"{EBAY}/after-sale/cancellations/{case['id']}/approve")
        assert refused.status_code == 409, refused.text
        problem = refused.json()
        assert problem["type"].endswith("/ebay-refused")
        assert "ship" in problem["detail"].lower()
        assert shop.stock(product) == 0  # nothing given back

        # A return asked for outside its window: eBay refuses the buyer; nothing waits on the seller.
        _, late = shop.sold("Levi's 501 too late")
        shop.ship(late["orderId"])
        assert httpx.post(f"{shop.sandbox}/sandbox/orders/{late['orderId']}/deliver").status_code == 200
        try:
            httpx.post(f"{shop.sandbox}/sandbox/clock", json={"advance_s": 61 * DAY})
            outside = httpx.post(f"{shop.sandbox}/sandbox/orders/{late['orderId']}/return-request", json={})
            assert outside.status_code == 400, outside.text
            assert "window" in outside.text
        finally:
            httpx.delete(f"{shop.sandbox}/sandbox/clock")
        listed = shop.get(f"{EBAY}/after-sale/actions", include_closed="true", limit=100)["items"]
        assert [c for c in listed if c["order_id"] == late["orderId"]] == []
