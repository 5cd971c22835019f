"""Sales found by a sync: one ``order.received`` per item (a Vinted bundle is one sale of several items),
each once; items deleted by the seller on Vinted end their publications."""

from __future__ import annotations

import uuid

from vitrine_contracts.catalog import PublicationRequested
from vitrine_contracts.common import Marketplace


async def live_items(seller, count: int) -> dict[int, uuid.UUID]:
    """``count`` items listed through the plugin, by Vinted item id → publication."""
    await seller.online()
    published, seen = {}, set()
    for n in range(count):
        publication = uuid.uuid4()
        await seller.play(
            PublicationRequested(
                publication_id=publication,
                product_id=uuid.uuid4(),
                marketplace=Marketplace.VINTED,
                snapshot=seller.snapshot(),
            )
        )
        item_id = 7000 + n
        await seller.answer(await seller.next_job("publish", seen), {"item_id": item_id})
        published[item_id] = publication
        await seller.eventually(lambda p=publication: _live(seller, p))
    return published


async def _live(seller, publication: uuid.UUID) -> bool:
    listing = await seller.listing_of(publication)
    return bool(listing and listing["status"] == "live")


def bundle(items: dict[int, str]) -> dict:
    first = next(iter(items))
    return {
        "orders": [
            {
                "transaction_id": 9001,
                "item_id": first,
                "title": "Bundle of 2 items",
                "price": f"{sum(float(p) for p in items.values()):.2f}",
                "currency": "EUR",
                "buyer": "marie",
                "date": "2030-01-01T10:00:00Z",
                "items": [{"item_id": i, "price": p} for i, p in items.items()],
            }
        ]
    }


class TestSales:
    async def test_a_bundle_is_one_order_per_item(self, seller) -> None:
        published = await live_items(seller, 2)
        assert (await seller.post("/sync")).status_code == 202
        sales = await seller.next_job("sync_sales")
        await seller.answer(sales, bundle({7000: "25.00", 7001: "15.00"}))
        orders = await seller.eventually(lambda: _when_two(seller))
        assert {(o["order_id"], o["line_id"], o["external_listing_id"]) for o in orders} == {
            ("9001", "7000", "7000"),
            ("9001", "7001", "7001"),
        }
        assert {o["external_listing_id"]: o["price"]["amount"] for o in orders} == {
            "7000": "25.00",
            "7001": "15.00",
        }
        assert {o["publication_id"] for o in orders} == {str(p) for p in published.values()}
        for publication in published.values():
            listing = await seller.listing_of(publication)
            assert listing is not None
            assert listing["status"] == "sold"

        # The same sale seen by the next sync is not a new one.
        again = await seller.next_job("sync_sales", {sales["job_id"]})
        await seller.answer(again, bundle({7000: "25.00", 7001: "15.00"}))
        await seller.eventually(lambda: _job_done(seller, again["job_id"]))
        assert len(await seller.emitted("order.received")) == 2

    async def test_a_one_item_sale_is_one_order(self, seller) -> None:
        published = await live_items(seller, 1)
        await seller.post("/sync")
        sale = {"transaction_id": 9002, "item_id": 7000, "price": "27.90", "currency": "EUR", "buyer": "jo"}
        await seller.answer(await seller.next_job("sync_sales"), {"orders": [sale]})
        [order] = await seller.eventually(lambda: seller.emitted("order.received"))
        assert (order["order_id"], order["line_id"], order["publication_id"]) == (
            "9002",
            "7000",
            str(published[7000]),
        )

    async def test_an_item_deleted_on_vinted_ends_its_publication(self, seller) -> None:
        published = await live_items(seller, 1)
        await seller.post("/sync")
        wardrobe = await seller.next_job("sync_wardrobe")
        deleted = {"id": 7000, "is_closed": True, "item_closing_action": "deleted"}
        await seller.answer(wardrobe, {"items": [], "missing": [deleted]})
        [gone] = await seller.eventually(lambda: seller.emitted("publication.delisted"))
        assert (gone["publication_id"], gone["by"]) == (str(published[7000]), "seller_on_marketplace")


async def _when_two(seller) -> list[dict] | None:
    orders = await seller.emitted("order.received")
    return orders if len(orders) == 2 else None


async def _job_done(seller, job_id: str) -> bool:
    return (await seller.job(job_id))["status"] == "succeeded"
