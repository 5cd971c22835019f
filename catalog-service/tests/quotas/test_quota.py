from __future__ import annotations

import asyncio

from vitrine_contracts.billing import PlanQuotas, SubscriptionChanged


async def plan(seller, name: str, products: int | None) -> None:
    await seller.play(SubscriptionChanged(plan=name, status="active", quotas=PlanQuotas(products=products)))

    async def applied() -> bool:
        return (await seller.get("/quota")).json()["plan"] == name

    await seller.eventually(applied)


class TestQuota:
    async def test_the_free_plan_applies_until_billing_speaks(self, seller) -> None:
        quota = (await seller.get("/quota")).json()
        assert quota == {"plan": "free", "product_limit": 50, "products": 0}

    async def test_concurrent_creations_never_exceed_the_limit(self, seller) -> None:
        await plan(seller, "starter", 5)
        responses = await asyncio.gather(
            *(seller.post("/products", json={"title": f"p{i}"}) for i in range(12))
        )
        codes = sorted(r.status_code for r in responses)
        assert codes == [201] * 5 + [403] * 7
        refused = next(r for r in responses if r.status_code == 403)
        assert refused.json()["type"].endswith("product-quota-exceeded")
        assert (await seller.get("/products")).json()["total"] == 5
        assert (await seller.get("/quota")).json()["products"] == 5

    async def test_deleting_frees_a_place_and_restoring_takes_it_back(self, seller) -> None:
        await plan(seller, "tiny", 1)
        product = await seller.create(title="only one")
        assert (await seller.post("/products", json={"title": "two"})).status_code == 403
        await seller.delete(f"/products/{product['id']}")
        other = await seller.create(title="two")
        assert (await seller.post(f"/products/{product['id']}/restore")).status_code == 403
        await seller.delete(f"/products/{other['id']}")
        assert (await seller.post(f"/products/{product['id']}/restore")).status_code == 200

    async def test_an_unlimited_plan(self, seller) -> None:
        await plan(seller, "pro", None)
        assert (await seller.get("/quota")).json()["product_limit"] is None
        assert (await seller.post("/products", json={"title": "x"})).status_code == 201
