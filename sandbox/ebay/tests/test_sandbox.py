from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sandbox_ebay.app import create_app

BASIC = "Basic " + base64.b64encode(b"vitrine-local-client:vitrine-local-secret").decode()
INV = "/sell/inventory/v1"


@pytest.fixture
async def ebay():
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
        yield client


async def connect(ebay) -> tuple[str, str, str]:
    """Consent + code exchange; returns (access, refresh, user_id)."""
    consent = await ebay.get(
        "/oauth2/authorize",
        params={
            "client_id": "vitrine-local-client",
            "redirect_uri": "vitrine-local-runame",
            "response_type": "code",
            "scope": "a b",
            "state": "xyz",
        },
    )
    assert consent.status_code == 302
    query = parse_qs(urlparse(consent.headers["location"]).query)
    assert query["state"] == ["xyz"]
    form = {
        "grant_type": "authorization_code",
        "code": query["code"][0],
        "redirect_uri": "vitrine-local-runame",
    }
    token = await ebay.post("/identity/v1/oauth2/token", data=form, headers={"Authorization": BASIC})
    assert token.status_code == 200, token.text
    again = await ebay.post("/identity/v1/oauth2/token", data=form, headers={"Authorization": BASIC})
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    body = token.json()
    assert body["expires_in"] == 7200
    assert body["refresh_token_expires_in"] == 47304000
    me = await ebay.get(
        "/commerce/identity/v1/user/", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    return body["access_token"], body["refresh_token"], me.json()["userId"]


def h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Language": "en-GB"}


async def setup_seller(ebay, token: str) -> dict[str, str]:
    assert (
        await ebay.post(
            "/sell/account/v1/program/opt_in",
            json={"programType": "SELLING_POLICY_MANAGEMENT"},
            headers=h(token),
        )
    ).status_code == 200
    ids = {}
    for kind in ("fulfillment", "payment", "return"):
        r = await ebay.post(
            f"/sell/account/v1/{kind}_policy",
            json={"name": "std", "marketplaceId": "EBAY_GB"},
            headers=h(token),
        )
        assert r.status_code == 201, r.text
        ids[f"{kind}PolicyId"] = r.json()[f"{kind}PolicyId"]
    loc = {
        "location": {"address": {"postalCode": "75001", "country": "FR"}},
        "locationTypes": ["WAREHOUSE"],
        "name": "home",
    }
    assert (await ebay.post(f"{INV}/location/home", json=loc, headers=h(token))).status_code == 204
    assert (await ebay.post(f"{INV}/location/home", json=loc, headers=h(token))).status_code == 409
    return ids


class TestSandbox:
    async def test_list_sell_and_poll(self, ebay) -> None:
        token, _refresh, _ = await connect(ebay)
        item = {
            "availability": {"shipToLocationAvailability": {"quantity": 1}},
            "condition": "USED_EXCELLENT",
            "product": {"title": "Blue jacket", "description": "Nice", "imageUrls": ["https://img/1.jpg"]},
        }
        assert (await ebay.put(f"{INV}/inventory_item/SKU1", json=item, headers=h(token))).status_code == 204
        offer = {
            "sku": "SKU1",
            "marketplaceId": "EBAY_GB",
            "format": "FIXED_PRICE",
            "availableQuantity": 1,
            "categoryId": "57988",
            "pricingSummary": {"price": {"value": "25.00", "currency": "GBP"}},
        }
        created = await ebay.post(f"{INV}/offer", json=offer, headers=h(token))
        assert created.status_code == 201
        offer_id = created.json()["offerId"]
        duplicate = await ebay.post(f"{INV}/offer", json=offer, headers=h(token))
        assert duplicate.json()["errors"][0]["parameters"] == [{"name": "offerId", "value": offer_id}]
        refused = await ebay.post(f"{INV}/offer/{offer_id}/publish", headers=h(token))
        assert refused.status_code == 400
        assert {e["errorId"] for e in refused.json()["errors"]} >= {25007, 25008, 25009}
        ids = await setup_seller(ebay, token)
        offer |= {"listingPolicies": ids, "merchantLocationKey": "home"}
        assert (await ebay.put(f"{INV}/offer/{offer_id}", json=offer, headers=h(token))).status_code == 204
        published = await ebay.post(f"{INV}/offer/{offer_id}/publish", headers=h(token))
        assert published.status_code == 200, published.text
        listing_id = published.json()["listingId"]
        view = (await ebay.get("/sandbox/listings", params={"sku": "SKU1"})).json()
        assert view[0]["title"] == "Blue jacket"
        assert view[0]["price"] == "25.00"
        sold = await ebay.post(f"/sandbox/listings/{listing_id}/sell", json={})
        assert sold.status_code == 200
        orders = (
            await ebay.get(
                "/sell/fulfillment/v1/order",
                params={"filter": "lastmodifieddate:[2020-01-01T00:00:00.000Z..]"},
                headers=h(token),
            )
        ).json()
        assert orders["total"] == 1
        assert orders["orders"][0]["lineItems"][0]["legacyItemId"] == listing_id
        assert orders["orders"][0]["orderPaymentStatus"] == "PAID"
        future = (
            await ebay.get(
                "/sell/fulfillment/v1/order",
                params={"filter": "lastmodifieddate:[2100-01-01T00:00:00.000Z..]"},
                headers=h(token),
            )
        ).json()
        assert future["total"] == 0

    async def test_expired_token_then_refresh(self, ebay) -> None:
        token, refresh, _ = await connect(ebay)
        await ebay.post("/sandbox/tokens/expire", json={})
        refused = await ebay.get(f"{INV}/location", headers=h(token))
        assert refused.status_code == 401
        assert refused.json()["errors"][0]["errorId"] == 1001
        new = await ebay.post(
            "/identity/v1/oauth2/token",
            data={"grant_type": "refresh_token", "refresh_token": refresh},
            headers={"Authorization": BASIC},
        )
        assert new.status_code == 200
        assert "refresh_token" not in new.json()
        assert (await ebay.get(f"{INV}/location", headers=h(new.json()["access_token"]))).status_code == 200
        await ebay.post("/sandbox/tokens/revoke", json={})
        gone = await ebay.post(
            "/identity/v1/oauth2/token",
            data={"grant_type": "refresh_token", "refresh_token": refresh},
            headers={"Authorization": BASIC},
        )
        assert gone.status_code == 400
        assert gone.json()["error"] == "invalid_grant"

    async def test_faults_and_latency(self, ebay) -> None:
        token, _, _ = await connect(ebay)
        await ebay.post("/sandbox/faults", json={"status": 429, "count": 2, "retry_after": 1})
        first = await ebay.get(f"{INV}/location", headers=h(token))
        assert first.status_code == 429
        assert first.headers["retry-after"] == "1"
        assert (await ebay.get(f"{INV}/location", headers=h(token))).status_code == 429
        assert (await ebay.get(f"{INV}/location", headers=h(token))).status_code == 200
        assert (await ebay.get("/sandbox/requests")).json()[f"GET {INV}/location"] == 3

    async def test_signed_deletion_notification_verifies_with_the_served_key(self, ebay) -> None:
        _, _, user_id = await connect(ebay)
        app_token = (
            await ebay.post(
                "/identity/v1/oauth2/token",
                data={"grant_type": "client_credentials", "scope": "https://api.ebay.com/oauth/api_scope"},
                headers={"Authorization": BASIC},
            )
        ).json()["access_token"]
        note = (await ebay.post("/sandbox/notifications/account-deletion", json={"user_id": user_id})).json()
        header = json.loads(base64.b64decode(note["headers"]["X-EBAY-SIGNATURE"]))
        key = (
            await ebay.get(
                f"/commerce/notification/v1/public_key/{header['kid']}",
                headers={"Authorization": f"Bearer {app_token}"},
            )
        ).json()
        pem = (
            key["key"]
            .replace("-----BEGIN PUBLIC KEY-----", "-----BEGIN PUBLIC KEY-----\n")
            .replace("-----END PUBLIC KEY-----", "\n-----END PUBLIC KEY-----\n")
        )
        public = serialization.load_pem_public_key(pem.encode())
        public.verify(base64.b64decode(header["signature"]), note["body"].encode(), ec.ECDSA(hashes.SHA1()))
        assert json.loads(note["body"])["notification"]["data"]["userId"] == user_id
