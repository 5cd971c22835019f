from __future__ import annotations

import base64
import io
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from PIL import Image
from sandbox_ebay.app import create_app

BASIC = "Basic " + base64.b64encode(b"vitrine-local-client:vitrine-local-secret").decode()
INV = "/sell/inventory/v1"
ORDERS = "/sell/fulfillment/v1/order"
SINCE = {"filter": "lastmodifieddate:[2020-01-01T00:00:00.000Z..]"}


@pytest.fixture
async def ebay():
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
        yield client


async def seller(ebay) -> tuple[str, str]:
    """A connected seller: (access token, user id)."""
    consent = await ebay.get(
        "/oauth2/authorize",
        params={"client_id": "vitrine-local-client", "redirect_uri": "vitrine-local-runame",
                "response_type": "code", "scope": "a", "state": "s"},
    )  # fmt: skip
    code = parse_qs(urlparse(consent.headers["location"]).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": "vitrine-local-runame"}
    token = (await ebay.post("/identity/v1/oauth2/token", data=form, headers={"Authorization": BASIC})).json()
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    me = (await ebay.get("/commerce/identity/v1/user/", headers=auth)).json()
    return token["access_token"], me["userId"]


def h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Language": "fr-FR"}


class TestSeededListings:
    async def test_listings_made_without_vitrine_are_in_the_inventory_with_photos(self, ebay) -> None:
        token, user = await seller(ebay)
        made = (await ebay.post(f"/sandbox/sellers/{user}/listings", json={"count": 3, "photos": 2})).json()
        assert len(made) == 3
        assert {m["status"] for m in made} == {"ACTIVE"}
        items = (await ebay.get(f"{INV}/inventory_item", headers=h(token))).json()["inventoryItems"]
        assert len(items) == 3
        offers = (await ebay.get(f"{INV}/offer", params={"sku": items[0]["sku"]}, headers=h(token))).json()
        assert offers["offers"][0]["status"] == "PUBLISHED"
        photo = made[0]["imageUrls"][0]
        fetched = await ebay.get(urlparse(photo).path)
        assert fetched.headers["content-type"] == "image/png"
        assert Image.open(io.BytesIO(fetched.content)).size == (480, 640)
        other = await ebay.get(urlparse(made[0]["imageUrls"][1]).path)
        assert other.content != fetched.content


class TestOrders:
    async def test_one_order_several_lines_and_quantities_go_down(self, ebay) -> None:
        token, user = await seller(ebay)
        one, two = (
            await ebay.post(f"/sandbox/sellers/{user}/listings", json={"count": 2, "quantity": 3})
        ).json()
        order = (
            await ebay.post(
                "/sandbox/orders",
                json={
                    "lines": [
                        {"listing_id": one["listingId"], "quantity": 2},
                        {"listing_id": two["listingId"]},
                    ]
                },
            )
        ).json()
        assert [line["legacyItemId"] for line in order["lineItems"]] == [one["listingId"], two["listingId"]]
        assert len({line["lineItemId"] for line in order["lineItems"]}) == 2
        [polled] = (await ebay.get(ORDERS, params=SINCE, headers=h(token))).json()["orders"]
        assert polled["orderId"] == order["orderId"]
        views = {v["listingId"]: v for v in (await ebay.get("/sandbox/listings")).json()}
        assert (views[one["listingId"]]["availableQuantity"], views[one["listingId"]]["status"]) == (
            1,
            "ACTIVE",
        )
        assert views[two["listingId"]]["availableQuantity"] == 2

    async def test_a_cancelled_order_is_refunded_and_gives_the_quantity_back(self, ebay) -> None:
        _token, user = await seller(ebay)
        [listing] = (await ebay.post(f"/sandbox/sellers/{user}/listings", json={"quantity": 2})).json()
        sold = (await ebay.post(f"/sandbox/listings/{listing['listingId']}/sell", json={})).json()
        cancelled = (await ebay.post(f"/sandbox/orders/{sold['orderId']}/cancel", json={})).json()
        assert cancelled["cancelStatus"]["cancelState"] == "CANCELED"
        assert cancelled["orderPaymentStatus"] == "FULLY_REFUNDED"
        assert cancelled["lastModifiedDate"] >= sold["lastModifiedDate"]
        [view] = (await ebay.get("/sandbox/listings")).json()
        assert view["availableQuantity"] == 2


class TestEndedOutside:
    async def test_an_ended_listing_unpublishes_its_offer(self, ebay) -> None:
        token, user = await seller(ebay)
        [listing] = (await ebay.post(f"/sandbox/sellers/{user}/listings", json={})).json()
        ended = (await ebay.post(f"/sandbox/listings/{listing['listingId']}/end", json={"by": "ebay"})).json()
        assert (ended["status"], ended["endedBy"]) == ("ENDED", "ebay")
        [offer] = (await ebay.get(f"{INV}/offer", params={"sku": listing["sku"]}, headers=h(token))).json()[
            "offers"
        ]
        assert (offer["status"], offer["listing"]["listingStatus"]) == ("UNPUBLISHED", "ENDED")


class TestCalls:
    async def test_every_ebay_call_is_logged_with_its_time(self, ebay) -> None:
        token, _ = await seller(ebay)
        await ebay.get(f"{INV}/location", headers=h(token))
        calls = (await ebay.get("/sandbox/calls", params={"path_contains": "/location"})).json()
        assert [(c["method"], c["path"]) for c in calls] == [("GET", f"{INV}/location")]
        assert calls[0]["at"] > 0
