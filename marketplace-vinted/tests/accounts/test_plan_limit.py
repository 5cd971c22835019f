"""The plan's marketplace limit: a Vinted account the plugin reports for the first time takes a slot at
billing-service (played in memory by ``SlotsStandIn``); refused, it is not used and the seller is told."""

from __future__ import annotations

import pytest
from vitrine_marketplace.testing import SlotsStandIn


@pytest.fixture
def billing(app) -> SlotsStandIn:
    fake = SlotsStandIn(limit=1)
    app.runtime.context.slots = fake.client("vinted")
    return fake


class TestPlanLimit:
    async def test_the_reported_account_takes_the_slot(self, seller, billing) -> None:
        await seller.online()
        assert billing.held(seller.tenant_id) == ["vinted"]
        assert (await seller.get("/account")).json()["logged_in"] is True

    async def test_a_full_plan_leaves_the_account_unused_and_tells_the_seller_once(
        self, seller, billing
    ) -> None:
        billing.slots[seller.tenant_id]["ebay"].add("EBAY_FR:seller")
        await seller.online()
        account = (await seller.get("/account")).json()
        assert account["logged_in"] is False
        alerts = await seller.every("/alerts")
        told = [a for a in alerts if a["kind"] == "plan_limit"]
        assert len(told) == 1
        assert "free plan" in told[0]["message"]
        billing.slots[seller.tenant_id]["ebay"].clear()  # the seller disconnected eBay
        await seller.online()  # a second device reports the same account

        async def logged_in() -> bool:
            return (await seller.get("/account")).json()["logged_in"] is True

        await seller.eventually(logged_in)
        assert billing.held(seller.tenant_id) == ["vinted"]
        assert [a for a in await seller.every("/alerts") if a["kind"] == "plan_limit"] == []
