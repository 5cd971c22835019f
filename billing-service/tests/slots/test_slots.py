"""The plan's marketplace slots, as the adapters hold and free them."""

from __future__ import annotations

import asyncio

from vitrine_contracts.billing_api import MARKETPLACE_SLOTS_PATH, MARKETPLACES_SCOPE

SLOTS = f"service {MARKETPLACES_SCOPE}"


async def claim(app, seller, marketplace: str, account: str = "acct-1"):
    body = {"tenant_id": str(seller.tenant_id), "marketplace": marketplace, "account": account}
    return await app.client.post(MARKETPLACE_SLOTS_PATH, json=body, headers=app.service_headers(SLOTS))


async def release(app, seller, marketplace: str, account: str = "acct-1"):
    url = f"{MARKETPLACE_SLOTS_PATH}/{seller.tenant_id}/{marketplace}/{account}"
    return await app.client.delete(url, headers=app.service_headers(SLOTS))


class TestClaim:
    async def test_the_free_plan_connects_one_marketplace_and_names_its_limit(self, app, seller) -> None:
        first = await claim(app, seller, "ebay")
        assert first.status_code == 200, first.text
        assert first.json() | {"tenant_id": None} == {
            "tenant_id": None,
            "plan": "free",
            "limit": 1,
            "marketplaces": ["ebay"],
        }
        refused = await claim(app, seller, "etsy")
        assert refused.status_code == 402, refused.text
        problem = refused.json()
        assert problem["type"].endswith("/marketplace-limit-reached")
        assert (problem["plan"], problem["limit"], problem["connected"]) == ("free", 1, ["ebay"])
        assert "free plan" in problem["detail"]
        assert "etsy" in problem["detail"]

    async def test_the_same_account_again_and_a_second_account_of_one_marketplace_take_no_slot(
        self, app, seller
    ) -> None:
        assert (await claim(app, seller, "ebay", "uk-shop")).status_code == 200
        assert (await claim(app, seller, "ebay", "uk-shop")).status_code == 200
        again = await claim(app, seller, "ebay", "fr-shop")
        assert again.status_code == 200
        assert again.json()["marketplaces"] == ["ebay"]

    async def test_two_marketplaces_at_once_never_both_take_the_last_slot(self, app, seller) -> None:
        answers = await asyncio.gather(*(claim(app, seller, m) for m in ("ebay", "etsy", "vinted")))
        assert sorted(a.status_code for a in answers) == [200, 402, 402]

    async def test_a_disconnect_frees_the_slot_once_no_account_holds_it(self, app, seller) -> None:
        await claim(app, seller, "ebay", "a")
        await claim(app, seller, "ebay", "b")
        assert (await release(app, seller, "ebay", "a")).json()["marketplaces"] == ["ebay"]
        assert (await claim(app, seller, "etsy")).status_code == 402
        freed = await release(app, seller, "ebay", "b")
        assert freed.json()["marketplaces"] == []
        assert (await release(app, seller, "ebay", "b")).status_code == 200  # idempotent
        assert (await claim(app, seller, "etsy")).status_code == 200

    async def test_a_bigger_plan_connects_more(self, app, seller, standin) -> None:
        await seller.subscribe(standin, "starter")
        assert (await claim(app, seller, "ebay")).status_code == 200
        assert (await claim(app, seller, "etsy")).status_code == 200
        third = await claim(app, seller, "vinted")
        assert third.status_code == 402
        assert (third.json()["plan"], third.json()["limit"]) == ("starter", 2)


class TestCallers:
    async def test_only_a_service_with_the_scope_may_call(self, app, seller) -> None:
        body = {"tenant_id": str(seller.tenant_id), "marketplace": "ebay", "account": "x"}
        credits_only = await app.client.post(MARKETPLACE_SLOTS_PATH, json=body, headers=app.service_headers())
        assert credits_only.status_code == 403
        assert (
            await app.client.post(MARKETPLACE_SLOTS_PATH, json=body, headers=seller.headers)
        ).status_code == 403

    async def test_bad_input_names_the_field(self, app, seller) -> None:
        body = {"tenant_id": str(seller.tenant_id), "marketplace": "EBAY!", "account": "x"}
        response = await app.client.post(
            MARKETPLACE_SLOTS_PATH, json=body, headers=app.service_headers(SLOTS)
        )
        assert response.status_code == 422
        assert "marketplace" in response.json()["detail"]
