"""ORDER_CONFIRMATION pushes: verified, read through getOrders, reported once with the poll as safety net."""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa
from marketplace_ebay.models import AccountDirectory, OrderPoll
from marketplace_ebay.notifications.orders import order_notifications
from marketplace_ebay.orders.service import order_poller


async def listed(h, ebay) -> tuple[str, dict]:
    account = await h.ready_account(ebay)
    event = h.request(account)
    await ebay.send(event)
    done = await ebay.wait_event("publication.succeeded", publication_id=str(event.publication_id))
    return account, done


async def sold(ebay, listing_id: str) -> tuple[dict, dict]:
    """A buyer pays; returns the order and the ORDER_CONFIRMATION eBay signed for it."""
    order = (await ebay.sandbox.post(f"/sandbox/listings/{listing_id}/sell", json={"buyer": "marie"})).json()
    [notice] = (
        await ebay.sandbox.get("/sandbox/notifications", params={"order_id": order["orderId"]})
    ).json()
    return order, notice


async def deliver(ebay, notice: dict, body: str | None = None, headers: dict | None = None):
    return await ebay.client.post(
        "/webhooks/orders",
        content=body if body is not None else notice["body"],
        headers=notice["headers"] if headers is None else headers,
    )


async def poll_now(ebay, account: str) -> None:
    async with ebay.runtime.db.session() as session:
        await session.execute(
            sa.update(OrderPoll).where(OrderPoll.account_id == account).values(next_poll_at=sa.func.now())
        )
        await session.commit()
    await order_poller.tick(ebay.ctx)


class TestOrderConfirmation:
    async def test_a_push_reports_the_sale_once_and_the_poll_then_adds_nothing(self, h, ebay) -> None:
        account, done = await listed(h, ebay)
        order, notice = await sold(ebay, done["external_id"])
        got = await deliver(ebay, notice)
        assert got.status_code == 200, got.text
        assert got.json() == {"outcome": "reported"}
        [received] = await ebay.events("order.received", order_id=order["orderId"])
        assert received["external_listing_id"] == done["external_id"]
        assert received["line_id"] == order["lineItems"][0]["lineItemId"]
        assert received["buyer"] == "marie"
        assert received["price"] == {"amount": "42.50", "currency": "EUR"}
        await poll_now(ebay, account)
        assert len(await ebay.events("order.received", order_id=order["orderId"])) == 1

    async def test_after_the_poll_the_push_reports_nothing_more(self, h, ebay) -> None:
        account, done = await listed(h, ebay)
        order, notice = await sold(ebay, done["external_id"])
        await poll_now(ebay, account)
        assert len(await ebay.events("order.received", order_id=order["orderId"])) == 1
        got = await deliver(ebay, notice)
        assert got.json() == {"outcome": "already-known"}
        assert len(await ebay.events("order.received", order_id=order["orderId"])) == 1

    async def test_a_replay_and_a_redelivery_under_a_new_id_report_nothing_more(self, h, ebay) -> None:
        _, done = await listed(h, ebay)
        order, notice = await sold(ebay, done["external_id"])
        assert (await deliver(ebay, notice)).json() == {"outcome": "reported"}
        assert (await deliver(ebay, notice)).json() == {"outcome": "replayed"}
        # Another replica (or this one after a restart) knows nothing of the id: the line's key decides.
        order_notifications._handled.clear()
        assert (await deliver(ebay, notice)).json() == {"outcome": "already-known"}
        assert len(await ebay.events("order.received", order_id=order["orderId"])) == 1

    async def test_a_bad_or_missing_signature_is_refused_and_reports_nothing(self, h, ebay) -> None:
        _, done = await listed(h, ebay)
        order, notice = await sold(ebay, done["external_id"])
        message = json.loads(notice["body"])
        message["notification"]["data"]["orderId"] = "99-99999-99999"
        forged = json.dumps(message, separators=(",", ":"))
        refused = await deliver(ebay, notice, body=forged)
        assert refused.status_code == 412
        assert refused.json()["type"].endswith("/bad-signature")
        unsigned = await deliver(ebay, notice, headers={"Content-Type": "application/json"})
        assert unsigned.status_code == 412
        assert await ebay.events("order.received", order_id=order["orderId"]) == []

    async def test_an_unknown_seller_is_acknowledged_without_a_call(self, h, ebay) -> None:
        account, done = await listed(h, ebay)
        order, notice = await sold(ebay, done["external_id"])
        async with ebay.runtime.db.session() as session:  # the seller disconnected meanwhile
            await session.execute(sa.delete(AccountDirectory).where(AccountDirectory.account_id == account))
            await session.commit()
        got = await deliver(ebay, notice)
        assert got.json() == {"outcome": "unknown-seller"}
        assert await ebay.events("order.received", order_id=order["orderId"]) == []

    async def test_ebay_down_answers_503_so_ebay_delivers_again(self, h, ebay, proxy) -> None:
        _, done = await listed(h, ebay)
        order, notice = await sold(ebay, done["external_id"])
        proxy.refuse()
        try:
            failed = await deliver(ebay, notice)
        finally:
            proxy.allow()
        assert failed.status_code == 503
        assert await ebay.events("order.received", order_id=order["orderId"]) == []
        assert (await deliver(ebay, notice)).json() == {"outcome": "reported"}
        assert uuid.UUID((await ebay.events("order.received", order_id=order["orderId"]))[0]["account_id"])
