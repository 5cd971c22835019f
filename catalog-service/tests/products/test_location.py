"""``Location`` of a created product as the client sees it behind the gateway."""

from __future__ import annotations

import uuid
from typing import Any

GATEWAY = {
    "X-Forwarded-Prefix": "/api/catalog",
    "X-Forwarded-Host": "vitrine.example",
    "X-Forwarded-Proto": "https",
}


class TestCreateProductLocation:
    async def test_behind_the_gateway_the_location_is_the_public_url(self, seller: Any) -> None:
        headers = {**GATEWAY, "Idempotency-Key": str(uuid.uuid4())}
        body = seller.sample()
        created = await seller.post("/products", json=body, headers=headers)
        assert created.status_code == 201, created.text
        url = f"https://vitrine.example/api/catalog/products/{created.json()['id']}"
        assert created.headers["location"] == url
        replayed = await seller.post("/products", json=body, headers=headers)
        assert replayed.headers["location"] == url

    async def test_called_directly_the_location_is_the_service_path(self, seller: Any) -> None:
        created = await seller.post("/products", json=seller.sample())
        assert created.headers["location"] == f"/products/{created.json()['id']}"
