from __future__ import annotations

import uuid


class TestBulk:
    async def test_update_reports_each_product(self, seller) -> None:
        a = await seller.create(title="a")
        b = await seller.create(title="b")
        missing = str(uuid.uuid4())
        response = await seller.post(
            "/products/bulk",
            json={"action": "update", "ids": [a["id"], missing, b["id"]], "fields": {"price": "9.99"}},
        )
        assert response.status_code == 200
        body = response.json()
        assert (body["succeeded"], body["failed"]) == (2, 1)
        by_id = {r["id"]: r for r in body["results"]}
        assert by_id[missing]["status"] == 404
        assert by_id[a["id"]]["product"]["price"] == "9.99"

    async def test_status_change_keeps_the_good_ones_when_one_is_refused(self, seller) -> None:
        ready = await seller.ready()
        draft = await seller.create(title="incomplete")
        response = await seller.post(
            "/products/bulk",
            json={"action": "status", "ids": [ready["id"], draft["id"]], "status": "archived"},
        )
        assert response.json()["succeeded"] == 2
        response = await seller.post(
            "/products/bulk", json={"action": "status", "ids": [ready["id"], draft["id"]], "status": "draft"}
        )
        results = {r["id"]: r for r in response.json()["results"]}
        assert results[ready["id"]]["ok"]
        assert results[draft["id"]]["ok"]
        response = await seller.post(
            "/products/bulk", json={"action": "status", "ids": [ready["id"], draft["id"]], "status": "ready"}
        )
        results = {r["id"]: r for r in response.json()["results"]}
        assert results[ready["id"]]["ok"]
        assert results[draft["id"]]["status"] == 422
        assert (await seller.product(ready["id"]))["status"] == "ready"

    async def test_delete_and_publish(self, seller) -> None:
        ready = await seller.ready()
        draft = await seller.create(title="draft")
        published = await seller.post(
            "/products/bulk",
            json={"action": "publish", "ids": [ready["id"], draft["id"]], "marketplaces": ["vinted"]},
        )
        results = {r["id"]: r for r in published.json()["results"]}
        assert results[ready["id"]]["ok"]
        assert results[draft["id"]]["status"] == 422
        assert results[draft["id"]]["error"]["missing"]
        deleted = await seller.post("/products/bulk", json={"action": "delete", "ids": [draft["id"]]})
        assert deleted.json()["succeeded"] == 1
        assert (await seller.get(f"/products/{draft['id']}")).json()["deleted_at"]
