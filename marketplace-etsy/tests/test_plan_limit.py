"""The plan's marketplace limit: checked at billing-service before the consent page and at the callback,
freed at disconnect (billing-service played in memory by ``SlotsStandIn``)."""

from __future__ import annotations

import pytest
from vitrine_marketplace.testing import SlotsStandIn


@pytest.fixture
def billing(etsy) -> SlotsStandIn:
    fake = SlotsStandIn(limit=1)
    etsy.ctx.slots = fake.client("etsy")
    return fake


class TestPlanLimit:
    async def test_a_connected_shop_holds_the_slot_and_a_disconnect_frees_it(self, etsy, billing) -> None:
        await etsy.connect()
        assert billing.held(etsy.tenant) == ["etsy"]
        assert (await etsy.client.delete("/account", headers=etsy.auth())).status_code == 204
        assert billing.held(etsy.tenant) == []

    async def test_a_full_plan_is_refused_before_the_consent_page_naming_it(self, etsy, billing) -> None:
        billing.slots[etsy.tenant]["ebay"].add("EBAY_FR:seller")
        start = await etsy.client.post("/oauth/authorize", headers=etsy.auth())
        assert start.status_code == 402, start.text
        assert start.json()["type"].endswith("/marketplace-limit-reached")
        assert (start.json()["plan"], start.json()["limit"]) == ("free", 1)

    async def test_a_plan_filled_during_the_consent_sends_the_browser_back_told_why(
        self, etsy, billing
    ) -> None:
        query = await etsy.consent(await etsy.start())
        billing.slots[etsy.tenant]["vinted"].add("me")
        landed = await etsy.callback(query)
        assert (landed["etsy"], landed["reason"]) == ("error", "marketplace-limit-reached")
        assert (await etsy.client.get("/account", headers=etsy.auth())).status_code == 404

    async def test_billing_down_keeps_no_shop_unchecked(self, etsy, billing) -> None:
        query = await etsy.consent(await etsy.start())
        billing.down = True
        back = await etsy.client.get("/oauth/callback", params=query)
        assert back.status_code == 503, back.text
        assert (await etsy.client.get("/account", headers=etsy.auth())).status_code == 404
