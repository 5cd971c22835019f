from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from vitrine_contracts.catalog import OrderReceived, PublicationSucceeded
from vitrine_contracts.common import Marketplace, Money


def order(marketplace: str, order_id: str, external_listing_id: str, quantity: int = 1) -> OrderReceived:
    return OrderReceived(
        marketplace=Marketplace(marketplace),
        order_id=order_id,
        external_listing_id=external_listing_id,
        quantity=quantity,
        price=Money(amount="35.00", currency="EUR"),
        ordered_at=datetime.now(UTC),
    )


async def listed_everywhere(seller, stock: int = 1) -> dict:
    """A product listed on eBay, Etsy and Vinted (external ids '<marketplace>-<sku>')."""
    product = await seller.ready(stock_quantity=stock)
    pubs = await seller.publish(product["id"], "ebay", "etsy", "vinted")
    for pub in pubs:
        await seller.play(
            PublicationSucceeded(
                publication_id=pub["id"],
                product_id=product["id"],
                marketplace=Marketplace(pub["marketplace"]),
                external_id=f"{pub['marketplace']}-{product['sku']}",
            )
        )

    async def all_listed() -> bool:
        fresh = await seller.product(product["id"])
        return [p["status"] for p in fresh["publications"]] == ["listed"] * 3

    await seller.eventually(all_listed)
    return await seller.product(product["id"])


class TestOrders:
    async def test_a_repeated_order_decrements_stock_once(self, seller) -> None:
        product = await listed_everywhere(seller, stock=3)
        event = order("ebay", "O-1", f"ebay-{product['sku']}")
        await seller.play(event)
        await seller.play(event.model_copy())  # same order, another message

        async def stock_is_two() -> bool:
            return (await seller.product(product["id"]))["stock_quantity"] == 2

        await seller.eventually(stock_is_two)
        await seller.play(order("ebay", "O-2", f"ebay-{product['sku']}"))

        async def stock_is_one() -> bool:
            return (await seller.product(product["id"]))["stock_quantity"] == 1

        await seller.eventually(stock_is_one)
        await asyncio.sleep(0.5)
        fresh = await seller.product(product["id"])
        assert (fresh["stock_quantity"], fresh["status"]) == (1, "listed")
        orders = (await seller.get("/orders", params={"product_id": product["id"]})).json()["items"]
        assert sorted((o["order_id"], o["outcome"], o["quantity"]) for o in orders) == [
            ("O-1", "applied", 1),
            ("O-2", "applied", 1),
        ]
        others = await seller.get("/orders", params={"marketplace": "vinted"})
        assert others.status_code == 200
        assert [o for o in others.json()["items"] if o["product_id"] == product["id"]] == []
        bad = await seller.get("/orders", params={"marketplace": "amazon"})
        assert bad.status_code == 422

    async def test_the_last_unit_sells_and_every_other_listing_is_delisted(self, seller) -> None:
        product = await listed_everywhere(seller)
        await seller.play(order("vinted", "V-9", f"vinted-{product['sku']}"))

        async def sold() -> bool:
            return (await seller.product(product["id"]))["status"] == "sold"

        await seller.eventually(sold)
        [event] = await seller.emitted("product.sold")
        assert (event["marketplace"], event["order_id"]) == ("vinted", "V-9")
        requests = await seller.emitted("publication.delist_requested")
        assert sorted((r["marketplace"], r["why"], r["external_id"]) for r in requests) == [
            ("ebay", "sold_elsewhere", f"ebay-{product['sku']}"),
            ("etsy", "sold_elsewhere", f"etsy-{product['sku']}"),
        ]
        states = {
            p["marketplace"]: p["status"] for p in (await seller.product(product["id"]))["publications"]
        }
        assert states == {"ebay": "delisting", "etsy": "delisting", "vinted": "delisted"}

    async def test_two_orders_for_the_last_unit_raise_exactly_one_oversell_alert(self, seller) -> None:
        product = await listed_everywhere(seller)
        await asyncio.gather(
            seller.play(order("vinted", "V-1", f"vinted-{product['sku']}")),
            seller.play(order("ebay", "E-1", f"ebay-{product['sku']}")),
        )

        async def alerted() -> list:
            return (await seller.get("/alerts", params={"acknowledged": "false"})).json()["items"]

        [alert] = await seller.eventually(alerted)
        await asyncio.sleep(0.3)
        assert len((await seller.get("/alerts")).json()["items"]) == 1
        assert alert["kind"] == "oversell"
        orders = {alert["details"]["first_order"]["order_id"], alert["details"]["second_order"]["order_id"]}
        assert orders == {"V-1", "E-1"}
        fresh = await seller.product(product["id"])
        assert (fresh["stock_quantity"], fresh["status"]) == (0, "sold")
        [detected] = await seller.emitted("oversell.detected")
        assert detected["alert_id"] == alert["id"]
        assert len(await seller.emitted("product.sold")) == 1
        acked = await seller.post(f"/alerts/{alert['id']}/acknowledge")
        assert acked.json()["acknowledged_at"]
        assert (await seller.get("/alerts", params={"acknowledged": "false"})).json()["items"] == []

    async def test_alerts_of_another_tenant_are_out_of_reach(self, app, seller) -> None:
        product = await listed_everywhere(seller)
        await seller.play(order("etsy", "T-1", f"etsy-{product['sku']}"))
        await seller.play(order("ebay", "T-2", f"ebay-{product['sku']}"))

        async def alerted() -> list:
            return (await seller.get("/alerts")).json()["items"]

        [alert] = await seller.eventually(alerted)
        intruder = app.seller()
        assert (await intruder.get("/alerts")).json()["items"] == []
        assert (await intruder.post(f"/alerts/{alert['id']}/acknowledge")).status_code == 404
