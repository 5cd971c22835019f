"""Sites and their currencies and languages at publish; the ECB stand-in."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import httpx
import pytest
from sandbox_ebay.app import create_app

from .test_sandbox import INV, connect, setup_seller


@pytest.fixture
async def ebay():
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
        yield client


async def publish(ebay, token: str, site: str, currency: str, language: str, sku: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "Content-Language": language}
    item = {
        "availability": {"shipToLocationAvailability": {"quantity": 1}},
        "condition": "USED_EXCELLENT",
        "product": {"title": "Jacket", "description": "Nice", "imageUrls": ["https://img/1.jpg"]},
    }
    assert (await ebay.put(f"{INV}/inventory_item/{sku}", json=item, headers=headers)).status_code == 204
    ids = {}
    for kind in ("fulfillment", "payment", "return"):
        found = await ebay.get(
            f"/sell/account/v1/{kind}_policy", params={"marketplace_id": site}, headers=headers
        )
        policies = found.json().get(f"{kind}Policies") or []
        if not policies:
            made = await ebay.post(
                f"/sell/account/v1/{kind}_policy",
                json={"name": "std", "marketplaceId": site},
                headers=headers,
            )
            # eBay refuses a policy on a site it does not know: the offer then names none of its own.
            ids[f"{kind}PolicyId"] = made.json().get(f"{kind}PolicyId", "0")
        else:
            ids[f"{kind}PolicyId"] = policies[0][f"{kind}PolicyId"]
    offer = {
        "sku": sku,
        "marketplaceId": site,
        "format": "FIXED_PRICE",
        "availableQuantity": 1,
        "categoryId": "57988",
        "pricingSummary": {"price": {"value": "25.00", "currency": currency}},
        "listingPolicies": ids,
        "merchantLocationKey": "home",
    }
    created = await ebay.post(f"{INV}/offer", json=offer, headers=headers)
    assert created.status_code == 201, created.text
    return await ebay.post(f"{INV}/offer/{created.json()['offerId']}/publish", headers=headers)


class TestSites:
    async def test_each_site_takes_its_currency_and_language(self, ebay) -> None:
        token, _, _ = await connect(ebay)
        await setup_seller(ebay, token)
        fr = await publish(ebay, token, "EBAY_FR", "EUR", "fr-FR", "FR1")
        gb = await publish(ebay, token, "EBAY_GB", "GBP", "en-GB", "GB1")
        pl = await publish(ebay, token, "EBAY_PL", "PLN", "pl-PL", "PL1")
        assert [r.status_code for r in (fr, gb, pl)] == [200, 200, 200], gb.text
        [view] = (await ebay.get("/sandbox/listings", params={"sku": "GB1"})).json()
        assert (view["marketplaceId"], view["currency"], view["locale"]) == ("EBAY_GB", "GBP", "en-GB")

    @pytest.mark.parametrize(
        ("site", "currency", "language", "error"),
        [
            ("EBAY_GB", "EUR", "en-GB", "EBAY_GB sells in GBP, not EUR"),
            ("EBAY_FR", "GBP", "fr-FR", "EBAY_FR sells in EUR, not GBP"),
            ("EBAY_FR", "EUR", "en-GB", "Content-Language en-GB is not a language of EBAY_FR"),
            ("EBAY_XX", "EUR", "fr-FR", "marketplaceId EBAY_XX is not supported"),
        ],
    )
    async def test_a_price_or_language_of_another_site_is_refused(
        self, ebay, site: str, currency: str, language: str, error: str
    ) -> None:
        token, _, _ = await connect(ebay)
        await setup_seller(ebay, token)
        refused = await publish(ebay, token, site, currency, language, "X1")
        assert refused.status_code == 400
        assert any(error in e["message"] for e in refused.json()["errors"]), refused.text


class TestEcbStandIn:
    async def test_ecb_shaped_rates_of_today_then_as_set(self, ebay) -> None:
        daily = await ebay.get("/stats/eurofxref/eurofxref-daily.xml")
        assert daily.status_code == 200
        assert daily.headers["content-type"].startswith("text/xml")
        root = ET.fromstring(daily.content)
        ns = {"e": "http://www.ecb.int/vocabulary/2002-08-01/eurofxref"}
        [day] = root.findall("e:Cube/e:Cube", ns)
        assert day.attrib["time"] == datetime.now(UTC).date().isoformat()
        rates = {c.attrib["currency"]: c.attrib["rate"] for c in day.findall("e:Cube", ns)}
        assert rates["GBP"] == "0.8612"
        assert "EUR" not in rates
        assert (
            await ebay.put("/sandbox/ecb/rates", json={"rates": {"GBP": "0.85"}, "date": "2026-11-27"})
        ).status_code == 204
        root = ET.fromstring((await ebay.get("/stats/eurofxref/eurofxref-daily.xml")).content)
        [day] = root.findall("e:Cube/e:Cube", ns)
        assert day.attrib["time"] == "2026-11-27"
        assert [(c.attrib["currency"], c.attrib["rate"]) for c in day.findall("e:Cube", ns)] == [
            ("GBP", "0.85")
        ]

    async def test_a_bad_rate_is_refused(self, ebay) -> None:
        assert (await ebay.put("/sandbox/ecb/rates", json={"rates": {"GBP": "-1"}})).status_code in (400, 422)
        assert (await ebay.put("/sandbox/ecb/rates", json={"rates": {}})).status_code in (400, 422)
