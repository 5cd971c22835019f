from __future__ import annotations

import base64


async def open_dispute(seller, order, reason: str = "ITEM_NOT_RECEIVED") -> dict:
    made = await seller.sandbox.post(
        f"/sandbox/orders/{order['orderId']}/payment-dispute", json={"reason": reason}
    )
    assert made.status_code == 201, made.text
    return made.json()


class TestAccept:
    async def test_accepting_refunds_and_closes(self, seller) -> None:
        order = await seller.sold()
        asked = await open_dispute(seller, order)
        await seller.sync()
        [case] = await seller.cases()
        assert (case["kind"], case["external_id"]) == ("payment_dispute", asked["paymentDisputeId"])
        assert case["actions"] == ["accept_dispute", "contest_dispute"]
        assert case["respond_by"].startswith(asked["respondByDate"][:16])
        done = await seller.post(f"/after-sale/disputes/{case['id']}/accept")
        assert (done.status_code, done.json()["status"], done.json()["ebay_status"]) == (
            200,
            "closed",
            "CLOSED",
        )


class TestContest:
    async def test_contesting_without_the_evidence_asked_for_is_refused(self, seller) -> None:
        order = await seller.sold()
        await open_dispute(seller, order)
        await seller.sync()
        [case] = await seller.cases()
        refused = await seller.post(f"/after-sale/disputes/{case['id']}/contest", {"note": "Shipped"})
        assert refused.status_code == 409
        assert "PROOF_OF_DELIVERY" in refused.json()["detail"]

    async def test_tracking_on_the_order_proves_delivery(self, seller) -> None:
        order = await seller.sold()
        await open_dispute(seller, order)
        assert (await seller.ship(order)).status_code == 201
        await seller.sync()
        [case] = await seller.cases()
        done = await seller.post(f"/after-sale/disputes/{case['id']}/contest", {"note": "Delivered, tracked"})
        assert (done.status_code, done.json()["status"]) == (200, "awaiting_ebay")

    async def test_files_as_evidence_and_a_return_address(self, seller, a) -> None:
        order = await seller.sold()
        await open_dispute(seller, order, reason="SIGNIFICANTLY_NOT_AS_DESCRIBED")
        await seller.sync()
        [case] = await seller.cases()
        evidence = {
            "evidence_type": "PROOF_OF_ITEM_AS_DESCRIBED",
            "filename": "photo.png",
            "content_type": "image/png",
            "content_base64": base64.b64encode(a.png).decode(),
        }
        address = {"full_name": "Ana Martin", "address_line1": "1 rue Oberkampf", "city": "Paris",
                   "postal_code": "75011", "country": "FR", "phone": "0102030405"}  # fmt: skip
        bad = await seller.post(
            f"/after-sale/disputes/{case['id']}/contest",
            {"evidence": [{**evidence, "content_base64": "****"}]},
        )
        assert (bad.status_code, bad.json()["type"].rsplit("/", 1)[-1]) == (422, "bad-evidence")
        done = await seller.post(
            f"/after-sale/disputes/{case['id']}/contest",
            {"note": "As described", "evidence": [evidence], "return_address": address},
        )
        assert done.status_code == 200, done.text
        assert done.json()["status"] == "awaiting_ebay"
        every = (await seller.sandbox.get("/sandbox/after-sale")).json()["payment_disputes"]
        [held] = [d for d in every if d["orderId"] == order["orderId"]]
        assert [e["evidenceType"] for e in held["evidence"]] == ["PROOF_OF_ITEM_AS_DESCRIBED"]
        assert held["sellerResponse"] == "CONTEST"
