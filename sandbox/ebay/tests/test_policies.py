"""Account API policies: create, read by id, replace, and eBay's validation naming each field."""

from __future__ import annotations

import secrets
import time

import httpx
import pytest
from sandbox_ebay.app import create_app
from sandbox_ebay.state import AccessToken, World

ACC = "/sell/account/v1"


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
async def ebay(world: World):
    transport = httpx.ASGITransport(app=create_app(world=world))
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
        yield client


@pytest.fixture
def opted_in(world: World) -> str:
    """A seller's access token, opted into business policies."""
    seller = world.new_seller(marketplace="EBAY_FR")
    seller.programs.add("SELLING_POLICY_MANAGEMENT")
    token = secrets.token_urlsafe(16)
    world.access[token] = AccessToken(seller.user_id, time.time() + 3600, [])
    return token


def h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Language": "fr-FR"}


def refs(response) -> list[str]:
    return [ref for e in response.json()["errors"] for ref in e.get("inputRefIds", [])]


RETURN = {
    "name": "30 days",
    "marketplaceId": "EBAY_FR",
    "returnsAccepted": True,
    "returnPeriod": {"value": 30, "unit": "DAY"},
    "returnShippingCostPayer": "BUYER",
    "refundMethod": "MONEY_BACK",
}


def shipping(code: str, currency: str = "EUR", value: str = "4.90") -> dict:
    return {
        "name": "colissimo",
        "marketplaceId": "EBAY_FR",
        "handlingTime": {"value": 2, "unit": "DAY"},
        "shippingOptions": [
            {
                "optionType": "DOMESTIC",
                "costType": "FLAT_RATE",
                "shippingServices": [
                    {"shippingServiceCode": code, "shippingCost": {"value": value, "currency": currency}}
                ],
            }
        ],
    }


class TestPolicies:
    async def test_create_read_by_id_and_replace(self, ebay, opted_in) -> None:
        token = opted_in
        made = await ebay.post(f"{ACC}/return_policy", json=RETURN, headers=h(token))
        assert made.status_code == 201, made.text
        pid = made.json()["returnPolicyId"]
        got = await ebay.get(f"{ACC}/return_policy/{pid}", headers=h(token))
        assert got.json()["returnPeriod"] == {"value": 30, "unit": "DAY"}
        put = await ebay.put(
            f"{ACC}/return_policy/{pid}",
            json={**RETURN, "returnPeriod": {"value": 60, "unit": "DAY"}},
            headers=h(token),
        )
        assert put.status_code == 200, put.text
        assert put.json()["returnPolicyId"] == pid
        listed = (
            await ebay.get(f"{ACC}/return_policy", params={"marketplace_id": "EBAY_FR"}, headers=h(token))
        ).json()
        assert [p["returnPeriod"]["value"] for p in listed["returnPolicies"]] == [60]
        assert (await ebay.get(f"{ACC}/return_policy/999", headers=h(token))).status_code == 404

    async def test_return_period_payer_and_method_are_checked_together(self, ebay, opted_in) -> None:
        token = opted_in
        bad = {**RETURN, "returnPeriod": {"value": 21, "unit": "DAY"}, "refundMethod": "CASH"}
        r = await ebay.post(f"{ACC}/return_policy", json=bad, headers=h(token))
        assert r.status_code == 400
        assert refs(r) == ["$.returnPeriod.value", "$.refundMethod"]
        assert "14, 30, 60" in r.json()["errors"][0]["message"]
        no_period = {k: v for k, v in RETURN.items() if k != "returnPeriod"}
        assert refs(await ebay.post(f"{ACC}/return_policy", json=no_period, headers=h(token))) == [
            "$.returnPeriod"
        ]
        none = {"name": "no returns", "marketplaceId": "EBAY_FR", "returnsAccepted": False}
        assert (await ebay.post(f"{ACC}/return_policy", json=none, headers=h(token))).status_code == 201

    @pytest.mark.parametrize(
        ("body", "ref"),
        [
            (
                shipping("UK_RoyalMailTracked48"),
                "$.shippingOptions[0].shippingServices[0].shippingServiceCode",
            ),
            (
                shipping("FR_ColiposteColissimo", "GBP"),
                "$.shippingOptions[0].shippingServices[0].shippingCost.currency",
            ),
            (
                {**shipping("FR_MondialRelay"), "handlingTime": {"value": 8, "unit": "DAY"}},
                "$.handlingTime.value",
            ),
        ],
    )
    async def test_shipping_services_are_the_sites_own(self, ebay, opted_in, body, ref) -> None:
        token = opted_in
        r = await ebay.post(f"{ACC}/fulfillment_policy", json=body, headers=h(token))
        assert r.status_code == 400
        assert refs(r) == [ref]

    async def test_a_valid_shipping_policy_and_a_name_taken_on_update(self, ebay, opted_in) -> None:
        token = opted_in
        one = await ebay.post(
            f"{ACC}/fulfillment_policy", json=shipping("FR_ColiposteColissimo"), headers=h(token)
        )
        assert one.status_code == 201, one.text
        two = await ebay.post(
            f"{ACC}/fulfillment_policy", json={**shipping("Other"), "name": "other"}, headers=h(token)
        )
        pid = two.json()["fulfillmentPolicyId"]
        clash = await ebay.put(f"{ACC}/fulfillment_policy/{pid}", json=shipping("Other"), headers=h(token))
        assert clash.status_code == 400
        assert refs(clash) == ["$.name"]
        moved = await ebay.put(
            f"{ACC}/fulfillment_policy/{pid}",
            json={**shipping("Other"), "name": "x", "marketplaceId": "EBAY_GB"},
            headers=h(token),
        )
        assert refs(moved) == ["$.marketplaceId"]
