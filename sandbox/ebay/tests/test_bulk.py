"""Inventory bulk calls: 25 per call, per-item statuses; the per-seller call budget."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sandbox_ebay.app import create_app
from sandbox_ebay.config import Settings

BASIC = "Basic " + base64.b64encode(b"vitrine-local-client:vitrine-local-secret").decode()
INV = "/sell/inventory/v1"


async def client_for(settings: Settings | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(settings)), base_url="http://sandbox"
    )


@pytest.fixture
async def ebay():
    async with await client_for() as client:
        yield client


async def ready_seller(ebay) -> dict[str, str]:
    """Headers of a seller with policies and a location."""
    consent = await ebay.get(
        "/oauth2/authorize",
        params={"client_id": "vitrine-local-client", "redirect_uri": "vitrine-local-runame",
                "response_type": "code", "scope": "a", "state": "s"},
    )  # fmt: skip
    code = parse_qs(urlparse(consent.headers["location"]).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": "vitrine-local-runame"}
    token = (await ebay.post("/identity/v1/oauth2/token", data=form, headers={"Authorization": BASIC})).json()
    headers = {"Authorization": f"Bearer {token['access_token']}", "Content-Language": "en-GB"}
    await ebay.post(
        "/sell/account/v1/program/opt_in", json={"programType": "SELLING_POLICY_MANAGEMENT"}, headers=headers
    )
    for kind in ("fulfillment", "payment", "return"):
        made = await ebay.post(
            f"/sell/account/v1/{kind}_policy",
            json={"name": "std", "marketplaceId": "EBAY_GB"},
            headers=headers,
        )
        headers[f"x-{kind}"] = made.json()[f"{kind}PolicyId"]
    loc = {"location": {"address": {"postalCode": "75001", "country": "FR"}}, "locationTypes": ["WAREHOUSE"]}
    await ebay.post(f"{INV}/location/home", json=loc, headers=headers)
    return headers


def item(sku: str, condition: str = "USED_EXCELLENT") -> dict:
    return {
        "sku": sku, "locale": "en_GB", "condition": condition,
        "availability": {"shipToLocationAvailability": {"quantity": 1}},
        "product": {"title": f"Jacket {sku}", "description": "Nice", "imageUrls": ["https://img/1.jpg"]},
    }  # fmt: skip


def offer(headers: dict[str, str], sku: str, category: str = "57988") -> dict:
    return {
        "sku": sku, "marketplaceId": "EBAY_GB", "format": "FIXED_PRICE", "availableQuantity": 1,
        "categoryId": category, "merchantLocationKey": "home",
        "listingPolicies": {f"{k}PolicyId": headers[f"x-{k}"] for k in ("fulfillment", "payment", "return")},
        "pricingSummary": {"price": {"value": "25.00", "currency": "GBP"}},
    }  # fmt: skip


def auth(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if not k.startswith("x-")}


class TestBulk:
    async def test_items_offers_and_publish_with_one_item_failing(self, ebay) -> None:
        headers = await ready_seller(ebay)
        skus = [f"B-{i}" for i in range(5)]
        items = [item(s) for s in skus[:4]] + [item(skus[4], condition="SHINY")]
        saved = await ebay.post(
            f"{INV}/bulk_create_or_replace_inventory_item", json={"requests": items}, headers=auth(headers)
        )
        assert saved.status_code == 207
        assert [r["statusCode"] for r in saved.json()["responses"]] == [200, 200, 200, 200, 400]
        assert saved.json()["responses"][4]["errors"][0]["errorId"] == 25021
        offers = [offer(headers, s) for s in skus[:3]] + [offer(headers, skus[3], category="1")]
        made = await ebay.post(f"{INV}/bulk_create_offer", json={"requests": offers}, headers=auth(headers))
        assert made.status_code == 200, made.text
        ids = [r["offerId"] for r in made.json()["responses"]]
        again = await ebay.post(
            f"{INV}/bulk_create_offer", json={"requests": offers[:1]}, headers=auth(headers)
        )
        [dup] = again.json()["responses"]
        assert (dup["statusCode"], dup["errors"][0]["errorId"]) == (400, 25002)
        assert dup["errors"][0]["parameters"] == [{"name": "offerId", "value": ids[0]}]
        published = await ebay.post(
            f"{INV}/bulk_publish_offer",
            json={"requests": [{"offerId": i} for i in ids]},
            headers=auth(headers),
        )
        assert published.status_code == 207
        answers = published.json()["responses"]
        assert [a["statusCode"] for a in answers] == [200, 200, 200, 400]
        assert answers[3]["errors"][0]["errorId"] == 25005
        live = (await ebay.get("/sandbox/listings", params={"status": "ACTIVE"})).json()
        assert sorted(v["sku"] for v in live) == skus[:3]
        assert {a["listingId"] for a in answers[:3]} == {v["listingId"] for v in live}

    async def test_more_than_25_requests_are_refused_whole(self, ebay) -> None:
        headers = await ready_seller(ebay)
        items = [item(f"M-{i}") for i in range(26)]
        refused = await ebay.post(
            f"{INV}/bulk_create_or_replace_inventory_item", json={"requests": items}, headers=auth(headers)
        )
        assert refused.status_code == 400
        assert (await ebay.get("/sandbox/listings")).json() == []


class TestCallBudget:
    async def test_a_seller_over_budget_gets_429(self) -> None:
        async with await client_for(Settings(account_calls_per_s=0.001, account_calls_burst=5)) as ebay:
            headers = auth(await ready_seller(ebay))  # opt-in, 3 policies, location: budget spent
            refused = await ebay.get(f"{INV}/location", headers=headers)
            assert refused.status_code == 429
            assert refused.headers["Retry-After"] == "1"
