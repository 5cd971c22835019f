"""``POST /products`` with an ``Idempotency-Key``: a retried create makes one product."""

from __future__ import annotations

import uuid
from typing import Any


class TestCreateProductWithAKey:
    async def test_a_repeated_key_makes_one_product(self, seller: Any) -> None:
        body = seller.sample(title="Retried create")
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        first = await seller.post("/products", json=body, headers=headers)
        again = await seller.post("/products", json=body, headers=headers)
        assert first.status_code == again.status_code == 201, first.text
        assert again.headers["idempotency-replayed"] == "true"
        assert again.json()["id"] == first.json()["id"]
        assert again.headers["location"] == first.headers["location"] == f"/products/{first.json()['id']}"
        assert again.headers["etag"] == first.headers["etag"]
        listed = (await seller.get("/products", params={"q": "Retried create"})).json()
        assert [p["id"] for p in listed["items"]] == [first.json()["id"]]

    async def test_the_same_key_for_another_product_is_refused(self, seller: Any) -> None:
        headers = {"Idempotency-Key": "catalog-create-1"}
        first = await seller.post("/products", json=seller.sample(title="First"), headers=headers)
        other = await seller.post("/products", json=seller.sample(title="Second"), headers=headers)
        assert first.status_code == 201
        assert other.status_code == 422
        assert other.json()["type"] == "https://errors.vitrine.app/idempotency-key-reused"
        listed = (await seller.get("/products", params={"q": "Second"})).json()
        assert listed["items"] == []
