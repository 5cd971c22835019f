"""The plan's marketplace limit: checked at billing-service before the consent page and at the callback,
freed at disconnect. billing-service is played by a small app speaking its internal contract."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from vitrine_marketplace.testing import SlotsStandIn


@pytest.fixture
def billing(ebay) -> SlotsStandIn:
    fake = SlotsStandIn(limit=1)
    ebay.ctx.slots = fake.client("ebay")
    return fake


class TestPlanLimit:
    async def test_accounts_of_one_marketplace_share_its_slot(self, ebay, billing) -> None:
        await ebay.connect("EBAY_FR")
        await ebay.connect("EBAY_GB")
        assert billing.held(ebay.tenant) == ["ebay"]
        assert len(billing.slots[ebay.tenant]["ebay"]) == 2

    async def test_a_full_plan_is_refused_before_the_consent_page_naming_it(self, ebay, billing) -> None:
        billing.slots[ebay.tenant]["etsy"].add("shop-1")
        start = await ebay.client.post("/oauth/authorize", json={"site": "EBAY_FR"}, headers=ebay.auth())
        assert start.status_code == 402, start.text
        problem = start.json()
        assert problem["type"].endswith("/marketplace-limit-reached")
        assert (problem["plan"], problem["limit"], problem["connected"]) == ("free", 1, ["etsy"])

    async def test_a_plan_filled_during_the_consent_sends_the_browser_back_told_why(
        self, ebay, billing
    ) -> None:
        query = await ebay.consent()
        billing.slots[ebay.tenant]["vinted"].add("me")  # connected elsewhere meanwhile
        back = await ebay.client.get(
            "/oauth/callback", params={"code": query["code"], "state": query["state"]}
        )
        assert back.status_code == 303
        told = parse_qs(urlparse(back.headers["location"]).query)
        assert (told["ebay"], told["plan"]) == (["limit-reached"], ["free"])
        assert (await ebay.client.get("/accounts", headers=ebay.auth())).json() == []

    async def test_billing_down_keeps_no_account_unchecked(self, ebay, billing) -> None:
        query = await ebay.consent()
        billing.down = True
        back = await ebay.client.get(
            "/oauth/callback", params={"code": query["code"], "state": query["state"]}
        )
        assert back.status_code == 503, back.text
        assert back.json()["type"].endswith("/plan-check-unavailable")
        assert (await ebay.client.get("/accounts", headers=ebay.auth())).json() == []

    async def test_disconnect_frees_the_slot(self, ebay, billing) -> None:
        account = await ebay.connect()
        assert (await ebay.client.delete(f"/accounts/{account}", headers=ebay.auth())).status_code == 204
        assert billing.held(ebay.tenant) == []

    async def test_a_seller_billing_has_not_seen_yet_is_waited_for(self, ebay, billing) -> None:
        billing.not_yet_known = 3  # tenant.created still on its way to billing-service
        await ebay.connect()
        assert billing.held(ebay.tenant) == ["ebay"]
