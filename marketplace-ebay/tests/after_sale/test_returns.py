from __future__ import annotations

import asyncio


async def open_return(seller, order, reason: str = "WRONG_SIZE") -> dict:
    made = await seller.sandbox.post(
        f"/sandbox/orders/{order['orderId']}/return-request", json={"reason": reason}
    )
    assert made.status_code == 201, made.text
    return made.json()


class TestAcceptAndReceive:
    async def test_accept_then_mark_received_gives_the_line_back_once_then_refund_closes(
        self, seller
    ) -> None:
        order = await seller.delivered()
        asked = await open_return(seller, order)
        await seller.sync()
        [case] = await seller.cases()
        assert (case["kind"], case["external_id"], case["line_item_id"]) == (
            "return",
            asked["returnId"],
            order["lineItems"][0]["lineItemId"],
        )
        assert case["actions"] == ["accept_return", "decline_return", "refund_return"]
        assert case["respond_by"] is not None
        accepted = await seller.post(f"/after-sale/returns/{case['id']}/accept", {"comment": "OK"})
        assert (accepted.status_code, accepted.json()["status"]) == (200, "awaiting_buyer")
        await seller.sandbox.post(f"/sandbox/returns/{asked['returnId']}/ship", json={})
        received = await seller.post(f"/after-sale/returns/{case['id']}/mark-received")
        assert received.status_code == 200, received.text
        assert (received.json()["status"], received.json()["actions"]) == (
            "awaiting_seller",
            ["refund_return"],
        )
        refunded = await seller.post(f"/after-sale/returns/{case['id']}/refund", {})
        assert (refunded.status_code, refunded.json()["status"]) == (200, "closed")
        await seller.sync()
        [event] = await seller.cancelled_events(order)
        assert (event["line_id"], event["reason"]) == (order["lineItems"][0]["lineItemId"], "returned")

    async def test_a_refund_above_the_return_is_refused_by_ebay(self, seller) -> None:
        order = await seller.delivered()
        await open_return(seller, order)
        await seller.sync()
        [case] = await seller.cases()
        refused = await seller.post(f"/after-sale/returns/{case['id']}/refund", {"amount": "9999.00"})
        assert refused.status_code == 409
        assert refused.json()["type"].endswith("/ebay-refused")


class TestPartOfALine:
    async def test_one_unit_of_two_returned_gives_one_back(self, seller) -> None:
        order = await seller.delivered(quantity=2)
        made = await seller.sandbox.post(
            f"/sandbox/orders/{order['orderId']}/return-request", json={"quantity": 1}
        )
        assert made.status_code == 201, made.text
        await seller.sync()
        [case] = await seller.cases()
        await seller.post(f"/after-sale/returns/{case['id']}/accept", {})
        await seller.sandbox.post(f"/sandbox/returns/{made.json()['returnId']}/ship", json={})
        assert (await seller.post(f"/after-sale/returns/{case['id']}/mark-received")).status_code == 200
        [event] = await seller.cancelled_events(order)
        assert (event["quantity"], event["reason"]) == (1, "returned")


class TestEbayFailing:
    async def test_an_answer_whose_reply_is_lost_is_reported_and_the_next_sync_shows_it(self, seller) -> None:
        order = await seller.delivered()
        asked = await open_return(seller, order)
        await seller.sync()
        [case] = await seller.cases()
        await seller.sandbox.post(
            "/sandbox/faults",
            json={"status": 500, "count": 1, "after_processing": True,
                  "path_prefix": f"/post-order/v2/return/{asked['returnId']}/decide"},
        )  # fmt: skip
        lost = await seller.post(f"/after-sale/returns/{case['id']}/accept", {})
        assert lost.status_code == 503
        assert "did not confirm" in lost.json()["detail"]
        await seller.sync()
        assert (await seller.case("return"))["ebay_status"] == "READY_FOR_SHIPPING"


class TestDecline:
    async def test_a_not_as_described_return_cannot_be_declined(self, seller) -> None:
        order = await seller.delivered()
        await open_return(seller, order, reason="DEFECTIVE_ITEM")
        await seller.sync()
        [case] = await seller.cases()
        assert "decline_return" not in case["actions"]
        refused = await seller.post(f"/after-sale/returns/{case['id']}/decline", {})
        assert refused.status_code == 409
        assert refused.json()["type"].endswith("/after-sale-action-not-allowed")
        assert refused.json()["allowed"] == ["accept_return", "refund_return"]


class TestWindow:
    async def test_a_return_outside_its_window_is_refused_and_nothing_waits(self, seller, a) -> None:
        order = await seller.delivered()
        await seller.sandbox.post("/sandbox/clock", json={"advance_s": 31 * a.day})
        refused = await seller.sandbox.post(f"/sandbox/orders/{order['orderId']}/return-request", json={})
        assert refused.status_code == 400
        assert "window" in refused.json()["errorMessage"]["error"][0]["message"]
        await seller.sync()
        assert await seller.cases(include_closed=True) == []


class TestItemBackOnEbay:
    async def test_an_item_delivered_back_is_given_back_once_across_replicas_and_polls(
        self, h, a, make_settings, sandbox, test_keys
    ) -> None:
        async with (
            h.started(make_settings(), sandbox, test_keys) as one,
            h.started(make_settings(), sandbox, test_keys) as two,
        ):
            two.tenant, two.user = one.tenant, one.user
            seller = await a.Seller(h, one, sandbox).start()
            order = await seller.delivered()
            asked = await open_return(seller, order)
            await seller.sync()
            [case] = await seller.cases()
            assert (await seller.post(f"/after-sale/returns/{case['id']}/accept", {})).status_code == 200
            await sandbox.post(f"/sandbox/returns/{asked['returnId']}/ship", json={})
            await sandbox.post(f"/sandbox/returns/{asked['returnId']}/deliver")
            for _ in range(2):  # both replicas race, twice over
                await a.sync_due(one.ctx)  # schedules every account, syncs what is due
                await a.due_now(one, seller.account)
                await asyncio.gather(*(a.sync_due(r.ctx) for r in (one, two, one, two)))
            [event] = await seller.cancelled_events(order)
            assert event["reason"] == "returned"
            [case] = await seller.cases()
            assert (case["ebay_status"], case["actions"]) == ("ITEM_DELIVERED", ["refund_return"])
            assert case["released_at"] is not None
