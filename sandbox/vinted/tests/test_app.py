"""The Vinted stand-in enforces Vinted's rules as the plugin meets them."""

from __future__ import annotations

import httpx
import pytest


@pytest.fixture
def http(vinted):
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=vinted),
        base_url="http://vinted.test",
        cookies={"access_token_web": "sandbox-vinted-demo-token"},
    )


class TestRules:
    async def test_writes_need_the_csrf_token_and_valid_items(self, http) -> None:
        missing = await http.post("/api/v2/item_upload/items", json={"item": {}})
        assert (missing.status_code, missing.json()["code"]) == (403, 106)
        page = await http.get("/items/new")
        csrf = page.text.split('CSRF_TOKEN\\":\\"')[1].split("\\")[0]
        invalid = await http.post(
            "/api/v2/item_upload/items", json={"item": {"title": "x"}}, headers={"X-CSRF-Token": csrf}
        )
        assert (invalid.status_code, invalid.json()["code"]) == (400, 99)
        assert {e["field"] for e in invalid.json()["errors"]} >= {
            "title",
            "price",
            "catalog_id",
            "assigned_photos",
        }

    async def test_an_expired_session_is_401(self, http) -> None:
        await http.post("/_control/sessions/sandbox-vinted-demo-token/expire")
        assert (await http.get("/api/v2/users/current")).status_code == 401


class TestBundles:
    async def test_a_bundle_is_one_transaction_with_its_items(self, http, vinted) -> None:
        for item_id, price in ((1, 25.0), (2, 15.0)):
            vinted.state.vinted.items[item_id] = {
                "id": item_id,
                "user_id": 1001,
                "title": f"item {item_id}",
                "price": price,
                "currency": "EUR",
                "is_closed": False,
                "item_closing_action": None,
            }
        sold = (await http.post("/_control/bundles", json={"item_ids": [1, 2], "buyer": "marie"})).json()
        assert sold["price"] == {"amount": "40.00", "currency_code": "EUR"}
        [order] = (await http.get("/api/v2/my_orders")).json()["my_orders"]
        assert [(i["id"], i["price"]["amount"]) for i in order["items"]] == [(1, "25.00"), (2, "15.00")]
        assert all(vinted.state.vinted.items[i]["item_closing_action"] == "sold" for i in (1, 2))
