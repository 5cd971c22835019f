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


class TestReference:
    async def test_thousands_of_brands_searchable_by_keyword(self, http) -> None:
        every = (await http.get("/api/v2/item_upload/brands")).json()
        assert len(every["brands"]) > 60_000
        assert every["disable_custom_brands"] is False
        levis = (await http.get("/api/v2/item_upload/brands", params={"keyword": "LEVI"})).json()["brands"]
        assert [(b["id"], b["title"]) for b in levis] == [(53, "Levi's")]
        again = (await http.get("/api/v2/item_upload/brands")).json()
        assert again == every  # generated the same way on every start

    async def test_catalogs_are_a_tree_whose_leaves_name_their_size_groups(self, http) -> None:
        tree = (await http.get("/api/v2/item_upload/catalogs")).json()["catalogs"]
        assert [c["title"] for c in tree] == ["Women", "Men"]
        men_jeans = tree[1]["catalogs"][0]["catalogs"][0]
        assert (men_jeans["id"], men_jeans["title"], men_jeans["size_group_ids"]) == (257, "Jeans", [3, 2])
        groups = (await http.get("/api/v2/size_groups", params={"catalog_ids": "257"})).json()["size_groups"]
        waist = next(g for g in groups if g["id"] == 3)
        assert {"id": 1628, "title": "W32", "order": 8} in waist["sizes"]

    async def test_items_are_checked_against_the_reference_data(self, http) -> None:
        page = await http.get("/items/new")
        csrf = page.text.split('CSRF_TOKEN\\":\\"')[1].split("\\")[0]
        item = {
            "title": "Levi's 501 jeans",
            "price": 30,
            "catalog_id": 257,
            "status_id": 2,
            "brand_id": 999999999,
            "size_id": 207,  # a men's letter size: fits
            "color_ids": [9, 404],
            "package_size_id": 7,
            "assigned_photos": [{"id": 1}],
        }
        refused = await http.post(
            "/api/v2/item_upload/items", json={"item": item}, headers={"X-CSRF-Token": csrf}
        )
        assert refused.status_code == 400
        assert {e["field"] for e in refused.json()["errors"]} == {"brand_id", "color_ids", "package_size_id"}
        item |= {"brand_id": 53, "color_ids": [9], "package_size_id": 1, "size_id": 3}  # a women's size
        wrong_size = await http.post(
            "/api/v2/item_upload/items", json={"item": item}, headers={"X-CSRF-Token": csrf}
        )
        assert [e["field"] for e in wrong_size.json()["errors"]] == ["size_id"]
        item["size_id"] = 1628
        created = await http.post(
            "/api/v2/item_upload/items", json={"item": item}, headers={"X-CSRF-Token": csrf}
        )
        assert created.status_code == 200, created.text
