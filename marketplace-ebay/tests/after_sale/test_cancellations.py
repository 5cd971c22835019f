from __future__ import annotations

import sqlalchemy as sa
from marketplace_ebay.models import Reconciliation
from marketplace_ebay.reconcile.loop import reconcile_one
from vitrine_kit.db.shards import HOME


async def request_cancel(seller, order) -> dict:
    made = await seller.sandbox.post(f"/sandbox/orders/{order['orderId']}/cancellation-request", json={})
    assert made.status_code == 201, made.text
    return made.json()


class TestListing:
    async def test_a_buyer_request_waits_on_the_seller_with_its_deadline_and_actions(self, seller) -> None:
        order = await seller.sold()
        asked = await request_cancel(seller, order)
        await seller.sync()
        [case] = await seller.cases()
        assert (case["kind"], case["status"], case["external_id"]) == (
            "cancellation",
            "awaiting_seller",
            asked["cancelId"],
        )
        assert case["order_id"] == order["orderId"]
        assert case["actions"] == ["approve_cancellation", "reject_cancellation"]
        assert case["respond_by"].startswith(asked["sellerResponseDueDate"]["value"][:16])
        await seller.sync()
        assert len(await seller.cases()) == 1


class TestApprove:
    async def test_approving_cancels_on_ebay_and_gives_each_line_back_once(self, seller, a) -> None:
        order = await seller.sold(listings=2)
        await request_cancel(seller, order)
        await seller.sync()
        [case] = await seller.cases()
        done = await seller.post(f"/after-sale/cancellations/{case['id']}/approve")
        assert done.status_code == 200, done.text
        assert (done.json()["status"], done.json()["actions"]) == ("closed", [])
        assert done.json()["released_at"] is not None
        await seller.sync()
        await seller.sync()
        cancelled = await seller.cancelled_events(order)
        assert sorted((c["line_id"], c["reason"]) for c in cancelled) == sorted(
            (x["lineItemId"], "cancelled") for x in order["lineItems"]
        )
        assert await seller.cases() == []

    async def test_reconciliation_then_sees_the_cancelled_order_and_gives_nothing_more(self, seller) -> None:
        order = await seller.sold()
        await request_cancel(seller, order)
        await seller.sync()
        [case] = await seller.cases()
        assert (await seller.post(f"/after-sale/cancellations/{case['id']}/approve")).status_code == 200
        async with seller.ebay.runtime.db.session() as session:
            await session.execute(
                sa.update(Reconciliation)
                .where(Reconciliation.account_id == seller.account)
                .values(next_at=sa.func.now(), cursor=sa.func.now() - sa.text("interval '1 hour'"))
            )
            await session.commit()
        while await reconcile_one(seller.ebay.ctx, HOME):
            pass
        assert len(await seller.cancelled_events(order)) == 1

    async def test_approving_after_shipping_is_refused_by_ebay(self, seller) -> None:
        order = await seller.sold()
        await request_cancel(seller, order)
        await seller.sync()
        [case] = await seller.cases()
        assert (await seller.ship(order)).status_code == 201
        refused = await seller.post(f"/after-sale/cancellations/{case['id']}/approve")
        assert refused.status_code == 409
        assert refused.json()["type"].endswith("/ebay-refused")
        assert "shipped" in refused.json()["detail"]
        assert await seller.cancelled_events(order) == []


class TestReject:
    async def test_rejecting_keeps_the_order_and_no_stock_moves(self, seller) -> None:
        order = await seller.sold()
        await request_cancel(seller, order)
        await seller.sync()
        [case] = await seller.cases()
        done = await seller.post(f"/after-sale/cancellations/{case['id']}/reject", {"tracking_number": "6A1"})
        assert done.status_code == 200, done.text
        assert (done.json()["status"], done.json()["ebay_status"]) == ("closed", "CANCEL_REJECTED")
        again = await seller.post(f"/after-sale/cancellations/{case['id']}/approve")
        assert again.status_code == 409
        assert again.json()["type"].endswith("/after-sale-action-not-allowed")
        assert await seller.cancelled_events(order) == []


class TestBuyerRequest:
    async def test_a_request_after_shipping_is_refused_as_ebay_refuses_it(self, seller) -> None:
        order = await seller.sold()
        assert (await seller.ship(order)).status_code == 201
        refused = await seller.sandbox.post(
            f"/sandbox/orders/{order['orderId']}/cancellation-request", json={}
        )
        assert refused.status_code == 400
        await seller.sync()
        assert await seller.cases(include_closed=True) == []
