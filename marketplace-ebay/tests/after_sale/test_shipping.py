from __future__ import annotations


class TestShip:
    async def test_tracking_marks_the_order_shipped_on_ebay_once(self, seller) -> None:
        order = await seller.sold(listings=2)
        done = await seller.ship(order)
        assert done.status_code == 201, done.text
        assert sorted(done.json()["line_item_ids"]) == sorted(x["lineItemId"] for x in order["lineItems"])
        assert done.json()["fulfillment_id"] == "6A12345678901"
        calls = (
            await seller.sandbox.get(
                "/sandbox/calls", params={"path_contains": f"/order/{order['orderId']}/shipping_fulfillment"}
            )
        ).json()
        assert len(calls) == 1
        again = await seller.ship(order, tracking="6A999")
        assert again.status_code == 409
        assert "already shipped" in again.json()["detail"]

    async def test_an_unknown_order_or_line_and_bad_tracking_are_named(self, seller) -> None:
        order = await seller.sold()
        unknown = await seller.post(
            "/orders/00-00000-00000/shipping", {"carrier": "DHL", "tracking_number": "1"}
        )
        assert (unknown.status_code, unknown.json()["type"].rsplit("/", 1)[-1]) == (404, "order-not-found")
        line = await seller.post(
            f"/orders/{order['orderId']}/shipping",
            {"carrier": "DHL", "tracking_number": "1", "line_item_ids": ["nope"]},
        )
        assert line.status_code == 404
        bad = await seller.post(
            f"/orders/{order['orderId']}/shipping", {"carrier": "DHL", "tracking_number": "a b"}
        )
        assert bad.status_code == 422
        assert "tracking_number" in bad.text


class TestEbayFailures:
    async def test_a_429_is_waited_for_and_a_5xx_is_reported_without_a_change(self, seller) -> None:
        order = await seller.sold()
        await seller.sandbox.post(
            "/sandbox/faults",
            json={"status": 429, "count": 1, "path_prefix": "/sell/fulfillment/v1/order/", "retry_after": 0},
        )
        assert (await seller.ship(order)).status_code == 201
        other = await seller.sold()
        await seller.sandbox.post(
            "/sandbox/faults", json={"status": 503, "count": 5, "path_prefix": "/sell/fulfillment/v1/order/"}
        )
        down = await seller.ship(other)
        assert down.status_code == 503
        assert down.json()["type"].endswith("/ebay-unavailable")
        await seller.sandbox.delete("/sandbox/faults")
        assert (await seller.ship(other)).status_code == 201

    async def test_a_sync_that_fails_is_reported_on_its_schedule(self, seller, a) -> None:
        await seller.sandbox.post(
            "/sandbox/faults", json={"status": 500, "count": 20, "path_prefix": "/post-order/"}
        )
        await a.sync_due(seller.ebay.ctx)
        await a.due_now(seller.ebay, seller.account)
        await a.sync_due(seller.ebay.ctx)
        async with seller.ebay.runtime.db.session() as session:
            from marketplace_ebay.after_sale.models import AfterSalePoll

            row = await session.get(AfterSalePoll, seller.account)
        # eBay's 500s, or the circuit breaker they opened: either way the schedule says why.
        assert row is not None
        assert row.last_error
