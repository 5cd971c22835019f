from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from vitrine_contracts.catalog import OrderCancelled, OrderReceived
from vitrine_contracts.common import Marketplace, Money


def line(
    marketplace: str, order_id: str, line_id: str | None, listing: str, quantity: int = 1
) -> OrderReceived:
    return OrderReceived(
        marketplace=Marketplace(marketplace),
        order_id=order_id,
        line_id=line_id,
        external_listing_id=listing,
        quantity=quantity,
        price=Money(amount="35.00", currency="EUR"),
        ordered_at=datetime.now(UTC),
    )


def cancelled(marketplace: str, order_id: str, line_id: str | None, quantity: int = 1) -> OrderCancelled:
    return OrderCancelled(
        marketplace=Marketplace(marketplace),
        order_id=order_id,
        line_id=line_id,
        quantity=quantity,
        cancelled_at=datetime.now(UTC),
    )


class TestOrderLines:
    async def test_every_line_of_a_combined_order_sells_its_own_product(self, seller) -> None:
        products = [await seller.listed("ebay", "vinted") for _ in range(3)]
        for n, product in enumerate(products):
            await seller.play(line("ebay", "27-00001-00001", f"L{n}", f"ebay-{product['sku']}"))

        async def all_sold() -> bool:
            return all([(await seller.product(p["id"]))["status"] == "sold" for p in products])

        await seller.eventually(all_sold)
        requests = await seller.emitted("publication.delist_requested.vinted")
        assert sorted(r["product_id"] for r in requests) == sorted(p["id"] for p in products)
        assert all(r["why"] == "sold_elsewhere" for r in requests)
        orders = (await seller.get("/orders", params={"marketplace": "ebay"})).json()["items"]
        assert sorted((o["order_id"], o["line_id"], o["outcome"]) for o in orders) == [
            ("27-00001-00001", f"L{n}", "applied") for n in range(3)
        ]

    async def test_a_line_delivered_twice_moves_stock_once(self, seller) -> None:
        product = await seller.listed("ebay", stock=3)
        event = line("ebay", "O-9", "L1", f"ebay-{product['sku']}")
        await seller.play(event)
        await seller.play(event.model_copy())  # same line, another message
        await seller.play(line("ebay", "O-9", "L2", f"ebay-{product['sku']}"))

        async def one_left() -> bool:
            return (await seller.product(product["id"]))["stock_quantity"] == 1

        await seller.eventually(one_left)
        await asyncio.sleep(0.5)
        assert (await seller.product(product["id"]))["stock_quantity"] == 1


class TestPartialSale:
    async def test_the_other_marketplaces_get_the_new_quantity(self, seller) -> None:
        product = await seller.listed("ebay", "etsy", stock=3)
        await seller.play(line("ebay", "P-1", "L1", f"ebay-{product['sku']}"))

        async def revised() -> list:
            return [e for e in await seller.emitted("publication.requested") if e["action"] == "revise"]

        revises = await seller.eventually(revised)
        await asyncio.sleep(0.6)
        revises = await revised()
        assert {r["marketplace"] for r in revises} == {"ebay", "etsy"}
        assert len(revises) == 2
        assert {r["snapshot"]["quantity"] for r in revises} == {2}
        etsy = next(r for r in revises if r["marketplace"] == "etsy")
        assert etsy["external_id"] == f"etsy-{product['sku']}"
        assert etsy["attempt"] == 2  # the publish was attempt 1
        assert (await seller.product(product["id"]))["status"] == "listed"


class TestCancellation:
    async def test_a_cancelled_line_gives_its_stock_back_once_and_alerts(self, seller) -> None:
        product = await seller.listed("ebay", "vinted", stock=2)
        await seller.play(line("ebay", "C-1", "L1", f"ebay-{product['sku']}"))

        async def stock(n: int) -> bool:
            return (await seller.product(product["id"]))["stock_quantity"] == n

        await seller.eventually(lambda: stock(1))
        await seller.play(cancelled("ebay", "C-1", "L1"))
        await seller.play(cancelled("ebay", "C-1", "L1"))  # reported twice
        await seller.eventually(lambda: stock(2))
        [alert] = await seller.eventually(lambda: seller.alerts("order_cancelled"))
        assert (alert["product_id"], alert["details"]["order_id"]) == (product["id"], "C-1")
        await asyncio.sleep(0.5)
        assert (await seller.product(product["id"]))["stock_quantity"] == 2
        [order] = (await seller.get("/orders", params={"product_id": product["id"]})).json()["items"]
        assert order["cancelled_at"]

    async def test_stock_never_goes_above_what_it_was_before_the_sale(self, seller) -> None:
        product = await seller.listed("ebay", stock=1)
        await seller.play(line("ebay", "C-2", "L1", f"ebay-{product['sku']}"))

        async def sold() -> bool:
            return (await seller.product(product["id"]))["status"] == "sold"

        await seller.eventually(sold)
        # Cancelled with a bigger quantity than was sold: only what the line took comes back.
        await seller.play(cancelled("ebay", "C-2", "L1", quantity=3))
        await seller.eventually(lambda: seller.alerts("order_cancelled"))
        fresh = await seller.product(product["id"])
        assert (fresh["stock_quantity"], fresh["status"]) == (
            1,
            "sold",
        )  # the seller lists it again if they wish
