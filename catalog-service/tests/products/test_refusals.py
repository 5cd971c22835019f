"""Input that once made a 500: each is now a 4xx naming the problem, and nothing is half-kept."""

from __future__ import annotations

import pytest


def as_role(seller, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {seller.app.keys.issue(tenant_id=seller.tenant_id, roles=(role,))}"}


class TestCreateRefusals:
    async def test_an_explicit_null_sku_gets_one_made_up(self, seller) -> None:
        response = await seller.post("/products", json={"sku": None, "title": "Jacket", "currency": None})
        assert response.status_code == 201, response.text
        assert response.json()["sku"].startswith("VT-")
        assert response.json()["currency"]

    async def test_every_error_item_has_a_field_a_message_and_a_type(self, seller) -> None:
        response = await seller.post("/products", json={"size_system": "waist"})
        assert response.status_code == 422, response.text
        assert response.json()["errors"]
        for item in response.json()["errors"]:
            assert {"field", "message", "type"} <= set(item)


class TestListRefusals:
    @pytest.mark.parametrize("name", ["price_min", "price_max"])
    async def test_a_price_filter_past_the_column_is_refused(self, seller, name: str) -> None:
        for value in ("100000000000", "1e12", "1.005"):
            response = await seller.get("/products", params={name: value})
            assert response.status_code == 422, (value, response.text)
            assert name in response.json()["detail"]


class TestImportRefusals:
    async def test_a_bare_carriage_return_does_not_break_the_import(self, seller) -> None:
        text = b"title\r\na\rb\n"
        response = await seller.post("/imports/products", files={"file": ("p.csv", text, "text/csv")})
        assert response.status_code in (200, 422), response.text
        if response.status_code == 422:
            assert response.json()["type"].endswith("/invalid-csv")

    async def test_an_unreadable_row_keeps_nothing(self, seller) -> None:
        text = 'sku,title\nR-1,first\nR-2,"never closed\n'
        response = await seller.post("/imports/products", files={"file": ("p.csv", text, "text/csv")})
        if response.status_code == 422:
            assert response.json()["type"].endswith("/invalid-csv")
            assert (await seller.get("/products")).json()["items"] == []
        else:  # the csv module reads an unclosed quote to the end of the file as one field
            assert response.status_code == 200

    async def test_a_file_that_is_not_utf8_is_422(self, seller) -> None:
        text = "sku,title\nL-1,Caf\xe9\n".encode("latin-1")
        response = await seller.post("/imports/products", files={"file": ("p.csv", text, "text/csv")})
        assert response.status_code == 422, response.text
        assert response.json()["type"].endswith("/invalid-csv")
        assert (await seller.get("/products")).json()["items"] == []


class TestCapabilities:
    async def test_a_member_may_not_delete_restore_or_export(self, seller) -> None:
        product = await seller.create(sku="ROLE-1")
        member = as_role(seller, "member")
        refused = await seller.delete(f"/products/{product['id']}", headers=member)
        assert refused.status_code == 403
        assert refused.json()["type"].endswith("/capability-missing")
        assert (await seller.get("/exports/products.csv", headers=member)).status_code == 403
        assert (await seller.delete(f"/products/{product['id']}")).status_code == 204  # the owner may
        assert (await seller.post(f"/products/{product['id']}/restore", headers=member)).status_code == 403
        admin = as_role(seller, "admin")
        assert (await seller.post(f"/products/{product['id']}/restore", headers=admin)).status_code == 200
        assert (await seller.get("/exports/products.csv", headers=admin)).status_code == 200
