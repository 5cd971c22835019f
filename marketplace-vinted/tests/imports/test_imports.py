"""Importing an item already on Vinted as a new product."""

from __future__ import annotations


class TestImport:
    async def test_an_import_fetches_the_item_and_tells_catalog(self, seller) -> None:
        await seller.online()
        first = await seller.post("/items/6001/import")
        assert first.status_code == 202, first.text
        assert (await seller.post("/items/6001/import")).json()["id"] == first.json()["id"]
        job = await seller.next_job("fetch_item")
        item = {
            "id": 6001,
            "title": "Wool coat",
            "price": 80,
            "currency": "EUR",
            "brand_id": 14,
            "color_ids": [1],
            "photos": [{"id": 9, "url": "https://images.vinted.test/9.jpg"}],
        }
        await seller.answer(job, {"item": item})
        [imported] = await seller.eventually(lambda: seller.emitted("vinted.item.imported"))
        assert (imported["vinted_item_id"], imported["title"]) == (6001, "Wool coat")
        assert imported["price"] == {"amount": "80.00", "currency": "EUR"}
        assert imported["photo_urls"] == ["https://images.vinted.test/9.jpg"]

    async def test_an_import_that_failed_can_be_asked_again(self, seller) -> None:
        await seller.online()
        first = (await seller.post("/items/6002/import")).json()
        gone = {"code": "not_found", "message": "not found", "http_status": 404}
        await seller.answer(await seller.next_job("fetch_item"), error=gone)
        await seller.eventually(lambda: _status(seller, first["id"], "failed"))
        again = (await seller.post("/items/6002/import")).json()
        assert again["id"] != first["id"]


async def _status(seller, job_id: str, status: str) -> bool:
    return (await seller.job(job_id))["status"] == status
