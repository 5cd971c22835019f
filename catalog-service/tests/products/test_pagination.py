"""``GET /products`` pages with the kit's cursors: a cursor the API did not give is a 422."""

from __future__ import annotations

from typing import Any


class TestListProductsCursor:
    async def test_a_cursor_of_another_sort_is_refused(self, seller: Any) -> None:
        for title in ("a", "b"):
            await seller.create(**seller.sample(title=title))
        first = (await seller.get("/products", params={"limit": 1, "sort": "title"})).json()
        assert first["next_cursor"] is not None
        assert set(first) == {"items", "next_cursor", "total"}
        other = await seller.get("/products", params={"cursor": first["next_cursor"], "sort": "-price"})
        assert other.status_code == 422
        assert other.json()["type"] == "https://errors.vitrine.app/invalid-cursor"
        assert "title" in other.json()["detail"]

    async def test_a_made_up_cursor_is_refused(self, seller: Any) -> None:
        response = await seller.get("/products", params={"cursor": "bm90IGEgY3Vyc29y"})
        assert response.status_code == 422
        assert response.json()["type"] == "https://errors.vitrine.app/invalid-cursor"
