from __future__ import annotations


async def open_inquiry(seller, a, order) -> dict:
    await seller.sandbox.post("/sandbox/clock", json={"advance_s": 8 * a.day})  # the item is late
    made = await seller.sandbox.post(f"/sandbox/orders/{order['orderId']}/inquiry", json={})
    assert made.status_code == 201, made.text
    return made.json()


class TestTracking:
    async def test_tracking_answers_the_inquiry_and_moves_no_stock(self, seller, a) -> None:
        order = await seller.sold()
        asked = await open_inquiry(seller, a, order)
        await seller.sync()
        [case] = await seller.cases()
        assert (case["kind"], case["external_id"], case["order_id"]) == (
            "inquiry",
            asked["inquiryId"],
            order["orderId"],
        )
        assert case["actions"] == ["provide_tracking", "refund_inquiry"]
        bad = await seller.post(
            f"/after-sale/inquiries/{case['id']}/tracking", {"carrier": "PIGEON", "tracking_number": "1"}
        )
        assert bad.status_code == 422
        done = await seller.post(
            f"/after-sale/inquiries/{case['id']}/tracking", {"carrier": "COLISSIMO", "tracking_number": "6A1"}
        )
        assert done.status_code == 200, done.text
        assert (done.json()["status"], done.json()["actions"]) == ("awaiting_buyer", ["refund_inquiry"])
        assert await seller.cases() == []
        assert await seller.cancelled_events(order) == []


class TestRefund:
    async def test_a_refund_closes_the_inquiry(self, seller, a) -> None:
        order = await seller.sold()
        await open_inquiry(seller, a, order)
        await seller.sync()
        [case] = await seller.cases()
        done = await seller.post(f"/after-sale/inquiries/{case['id']}/refund", {"comment": "Sorry"})
        assert (done.status_code, done.json()["status"]) == (200, "closed")
        assert (
            await seller.cancelled_events(order) == []
        )  # the item is with the carrier or lost: no stock back

    async def test_an_inquiry_past_its_deadline_is_escalated_and_refused(self, seller, a) -> None:
        order = await seller.sold()
        await open_inquiry(seller, a, order)
        await seller.sync()
        [case] = await seller.cases()
        await seller.sandbox.post("/sandbox/clock", json={"advance_s": 3 * a.day + 60})
        late = await seller.post(f"/after-sale/inquiries/{case['id']}/refund", {})
        assert late.status_code == 409
        assert late.json()["type"].endswith("/ebay-refused")
        await seller.sync()
        assert (await seller.case("inquiry"))["ebay_status"] == "CLOSED_WITH_ESCALATION"
