from __future__ import annotations


class TestPlans:
    async def test_the_price_list_is_public(self, app) -> None:
        response = await app.client.get("/plans")
        assert response.status_code == 200
        plans = {p["code"]: p for p in response.json()["plans"]}
        assert list(plans) == ["free", "starter", "pro", "business"]
        assert plans["free"]["price_cents"] == 0
        assert plans["free"]["quotas"] == {
            "products": 30,
            "marketplaces": 1,
            "monthly_credits": 10,
            "photos_per_analysis": 5,
        }
        assert (plans["starter"]["price_cents"], plans["starter"]["quotas"]["monthly_credits"]) == (999, 40)
        assert (plans["pro"]["price_cents"], plans["pro"]["quotas"]["products"]) == (1999, 500)
        assert plans["business"]["price_cents"] == 3999
        assert plans["business"]["quotas"]["products"] is None
        assert plans["business"]["quotas"]["marketplaces"] is None
        assert plans["business"]["quotas"]["monthly_credits"] == 300


class TestCreditPacks:
    async def test_the_packs_are_public(self, app) -> None:
        response = await app.client.get("/credit-packs")
        assert response.status_code == 200
        packs = [(p["credits"], p["price_cents"], p["currency"]) for p in response.json()["packs"]]
        assert packs == [(500, 900, "eur"), (1000, 1500, "eur"), (2000, 2500, "eur")]
