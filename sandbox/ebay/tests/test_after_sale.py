from __future__ import annotations

import base64
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sandbox_ebay.app import create_app

pytestmark = pytest.mark.unit

BASIC = "Basic " + base64.b64encode(b"vitrine-local-client:vitrine-local-secret").decode()
PO = "/post-order/v2"
FF = "/sell/fulfillment/v1"
DAY = 86_400
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
)


@pytest.fixture
async def ebay():
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
        yield client


class Seller:
    def __init__(self, ebay: httpx.AsyncClient, token: str, user: str) -> None:
        self.ebay, self.token, self.user = ebay, token, user

    @property
    def iaf(self) -> dict[str, str]:
        return {"Authorization": f"IAF {self.token}"}

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def order(self, quantity: int = 1) -> dict:
        [listing] = (
            await self.ebay.post(f"/sandbox/sellers/{self.user}/listings", json={"quantity": quantity})
        ).json()
        return (await self.ebay.post(f"/sandbox/listings/{listing['listingId']}/sell", json={})).json()

    async def ship(self, order: dict, tracking: str = "6A12345678901") -> httpx.Response:
        body = {
            "lineItems": [
                {"lineItemId": x["lineItemId"], "quantity": x["quantity"]} for x in order["lineItems"]
            ],
            "shippingCarrierCode": "COLISSIMO",
            "trackingNumber": tracking,
        }
        return await self.ebay.post(
            f"{FF}/order/{order['orderId']}/shipping_fulfillment", json=body, headers=self.bearer
        )

    async def get_order(self, order_id: str) -> dict:
        return (await self.ebay.get(f"{FF}/order/{order_id}", headers=self.bearer)).json()


@pytest.fixture
async def seller(ebay) -> Seller:
    consent = await ebay.get(
        "/oauth2/authorize",
        params={"client_id": "vitrine-local-client", "redirect_uri": "vitrine-local-runame",
                "response_type": "code", "scope": "a", "state": "s"},
    )  # fmt: skip
    code = parse_qs(urlparse(consent.headers["location"]).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": "vitrine-local-runame"}
    token = (await ebay.post("/identity/v1/oauth2/token", data=form, headers={"Authorization": BASIC})).json()
    me = (
        await ebay.get(
            "/commerce/identity/v1/user/", headers={"Authorization": f"Bearer {token['access_token']}"}
        )
    ).json()
    return Seller(ebay, token["access_token"], me["userId"])


def error_id(response: httpx.Response) -> int:
    body = response.json()
    items = body["errorMessage"]["error"] if "errorMessage" in body else body["errors"]
    return int(items[0]["errorId"])


class TestPostOrderAuth:
    async def test_a_bearer_token_is_refused_and_iaf_accepted(self, ebay, seller) -> None:
        refused = await ebay.get(f"{PO}/cancellation/search", headers=seller.bearer)
        assert refused.status_code == 401
        assert "errorMessage" in refused.json()
        assert (await ebay.get(f"{PO}/cancellation/search", headers=seller.iaf)).status_code == 200


class TestCancellation:
    async def test_a_buyer_request_approved_cancels_and_refunds_the_order(self, ebay, seller) -> None:
        order = await seller.order(quantity=2)
        made = await ebay.post(f"/sandbox/orders/{order['orderId']}/cancellation-request", json={})
        assert made.status_code == 201, made.text
        cancel = made.json()
        assert (cancel["cancelState"], cancel["cancelStatus"]) == ("APPROVAL_PENDING", "CANCEL_REQUESTED")
        assert "value" in cancel["sellerResponseDueDate"]
        eligible = await ebay.post(
            f"{PO}/cancellation/check_eligibility",
            json={"legacyOrderId": order["orderId"]},
            headers=seller.iaf,
        )
        assert eligible.json()["failureReason"] == ["CANCEL_REQUEST_ALREADY_EXISTS"]
        [found] = (await ebay.get(f"{PO}/cancellation/search", headers=seller.iaf)).json()["cancellations"]
        assert found["cancelId"] == cancel["cancelId"]
        assert (
            await ebay.post(f"{PO}/cancellation/{cancel['cancelId']}/approve", headers=seller.iaf)
        ).status_code == 200
        after = await seller.get_order(order["orderId"])
        assert (after["cancelStatus"]["cancelState"], after["orderPaymentStatus"]) == (
            "CANCELED",
            "FULLY_REFUNDED",
        )
        detail = (await ebay.get(f"{PO}/cancellation/{cancel['cancelId']}", headers=seller.iaf)).json()
        assert detail["cancelDetail"]["cancelStatus"] == "CANCEL_CLOSED_WITH_REFUND"
        again = await ebay.post(f"{PO}/cancellation/{cancel['cancelId']}/approve", headers=seller.iaf)
        assert again.status_code == 400

    async def test_a_request_after_shipping_is_refused(self, ebay, seller) -> None:
        order = await seller.order()
        assert (await seller.ship(order)).status_code == 201
        refused = await ebay.post(f"/sandbox/orders/{order['orderId']}/cancellation-request", json={})
        assert refused.status_code == 400
        assert "ORDER_ALREADY_SHIPPED" in refused.json()["errorMessage"]["error"][0]["message"]

    async def test_a_request_after_the_one_hour_cutoff_is_refused(self, ebay, seller) -> None:
        order = await seller.order()
        await ebay.post("/sandbox/clock", json={"advance_s": 3_601})
        refused = await ebay.post(f"/sandbox/orders/{order['orderId']}/cancellation-request", json={})
        assert (refused.status_code, error_id(refused)) == (400, 1505)

    async def test_approving_once_shipped_is_refused_and_reject_keeps_the_order(self, ebay, seller) -> None:
        order = await seller.order()
        cancel = (await ebay.post(f"/sandbox/orders/{order['orderId']}/cancellation-request", json={})).json()
        await seller.ship(order)
        refused = await ebay.post(f"{PO}/cancellation/{cancel['cancelId']}/approve", headers=seller.iaf)
        assert (refused.status_code, error_id(refused)) == (400, 1507)
        rejected = await ebay.post(
            f"{PO}/cancellation/{cancel['cancelId']}/reject",
            json={"trackingNumber": "6A1"},
            headers=seller.iaf,
        )
        assert rejected.status_code == 200
        after = await seller.get_order(order["orderId"])
        assert (after["cancelStatus"]["cancelState"], after["orderPaymentStatus"]) == (
            "NONE_REQUESTED",
            "PAID",
        )

    async def test_an_unanswered_request_lapses_after_three_days(self, ebay, seller) -> None:
        order = await seller.order()
        cancel = (await ebay.post(f"/sandbox/orders/{order['orderId']}/cancellation-request", json={})).json()
        await ebay.post("/sandbox/clock", json={"advance_s": 3 * DAY + 1})
        late = await ebay.post(f"{PO}/cancellation/{cancel['cancelId']}/approve", headers=seller.iaf)
        assert (late.status_code, error_id(late)) == (400, 1506)


class TestShipping:
    async def test_tracking_fulfils_the_order_once(self, ebay, seller) -> None:
        order = await seller.order()
        made = await seller.ship(order)
        assert made.status_code == 201
        assert made.headers["location"].endswith("/shipping_fulfillment/6A12345678901")
        after = await seller.get_order(order["orderId"])
        assert after["orderFulfillmentStatus"] == "FULFILLED"
        listed = (
            await ebay.get(f"{FF}/order/{order['orderId']}/shipping_fulfillment", headers=seller.bearer)
        ).json()
        assert listed["fulfillments"][0]["shippingCarrierCode"] == "COLISSIMO"
        twice = await seller.ship(order, tracking="OTHER1")
        assert (twice.status_code, error_id(twice)) == (400, 32224)

    async def test_a_cancelled_order_or_an_unknown_carrier_is_refused(self, ebay, seller) -> None:
        order = await seller.order()
        bad = await ebay.post(
            f"{FF}/order/{order['orderId']}/shipping_fulfillment",
            json={"lineItems": [{"lineItemId": order["lineItems"][0]["lineItemId"]}], "shippingCarrierCode": "PIGEON",
                  "trackingNumber": "1"},
            headers=seller.bearer,
        )  # fmt: skip
        assert (bad.status_code, error_id(bad)) == (400, 32221)
        await ebay.post(f"/sandbox/orders/{order['orderId']}/cancel", json={})
        assert error_id(await seller.ship(order)) == 32210


class TestReturns:
    async def delivered(self, ebay, seller) -> dict:
        order = await seller.order()
        await seller.ship(order)
        await ebay.post(f"/sandbox/orders/{order['orderId']}/deliver")
        return order

    async def test_accept_ship_back_receive_and_refund(self, ebay, seller) -> None:
        order = await self.delivered(ebay, seller)
        made = await ebay.post(
            f"/sandbox/orders/{order['orderId']}/return-request", json={"reason": "WRONG_SIZE"}
        )
        assert made.status_code == 201, made.text
        rid = made.json()["returnId"]
        [member] = (await ebay.get(f"{PO}/return/search", headers=seller.iaf)).json()["members"]
        assert (member["status"], member["sellerResponseDue"]["activityDue"]) == (
            "RETURN_REQUESTED",
            "SELLER_APPROVE_REQUEST",
        )
        assert (
            await ebay.post(f"{PO}/return/{rid}/decide", json={"decision": "ACCEPT"}, headers=seller.iaf)
        ).status_code == 200
        await ebay.post(f"/sandbox/returns/{rid}/ship", json={})
        assert (await ebay.post(f"{PO}/return/{rid}/mark_as_received", headers=seller.iaf)).status_code == 200
        got = (await ebay.get(f"{PO}/return/{rid}", headers=seller.iaf)).json()
        assert got["summary"]["status"] == "ITEM_DELIVERED"
        assert got["detail"]["returnShipmentInfo"]["shipmentTracking"]["deliveryStatus"] == "DELIVERED"
        refunded = await ebay.post(f"{PO}/return/{rid}/issue_refund", json={}, headers=seller.iaf)
        assert refunded.json() == {"refundStatus": "SUCCESS"}
        assert (await seller.get_order(order["orderId"]))["orderPaymentStatus"] == "FULLY_REFUNDED"
        closed = (await ebay.get(f"{PO}/return/{rid}", headers=seller.iaf)).json()
        assert closed["summary"]["status"] == "CLOSED"
        assert closed["detail"]["closeInfo"]["returnCloseReason"] == "REFUND_ISSUED"

    async def test_a_return_outside_the_window_or_before_delivery_is_refused(self, ebay, seller) -> None:
        order = await seller.order()
        early = await ebay.post(f"/sandbox/orders/{order['orderId']}/return-request", json={})
        assert (early.status_code, error_id(early)) == (400, 1602)
        await seller.ship(order)
        await ebay.post(f"/sandbox/orders/{order['orderId']}/deliver")
        await ebay.post("/sandbox/clock", json={"advance_s": 31 * DAY})
        late = await ebay.post(f"/sandbox/orders/{order['orderId']}/return-request", json={})
        assert (late.status_code, error_id(late)) == (400, 1604)

    async def test_part_of_a_line_is_returned_for_its_share_of_the_price(self, ebay, seller) -> None:
        [listing] = (await ebay.post(f"/sandbox/sellers/{seller.user}/listings", json={"quantity": 4})).json()
        big = (await ebay.post(f"/sandbox/listings/{listing['listingId']}/sell", json={"quantity": 2})).json()
        await seller.ship(big)
        await ebay.post(f"/sandbox/orders/{big['orderId']}/deliver")
        too_many = await ebay.post(f"/sandbox/orders/{big['orderId']}/return-request", json={"quantity": 3})
        assert (too_many.status_code, error_id(too_many)) == (400, 1606)
        made = (
            await ebay.post(f"/sandbox/orders/{big['orderId']}/return-request", json={"quantity": 1})
        ).json()
        assert made["creationInfo"]["item"]["returnQuantity"] == 1
        half = Decimal(big["lineItems"][0]["total"]["value"]) / 2
        assert Decimal(made["sellerTotalRefund"]["estimatedRefundAmount"]["value"]) == half

    async def test_a_not_as_described_return_cannot_be_declined(self, ebay, seller) -> None:
        order = await self.delivered(ebay, seller)
        rid = (
            await ebay.post(
                f"/sandbox/orders/{order['orderId']}/return-request", json={"reason": "DEFECTIVE_ITEM"}
            )
        ).json()["returnId"]
        refused = await ebay.post(
            f"{PO}/return/{rid}/decide", json={"decision": "DECLINE"}, headers=seller.iaf
        )
        assert (refused.status_code, error_id(refused)) == (400, 1611)

    async def test_an_item_back_and_not_refunded_in_time_is_refunded_by_ebay(self, ebay, seller) -> None:
        order = await self.delivered(ebay, seller)
        rid = (await ebay.post(f"/sandbox/orders/{order['orderId']}/return-request", json={})).json()[
            "returnId"
        ]
        await ebay.post(f"{PO}/return/{rid}/decide", json={"decision": "ACCEPT"}, headers=seller.iaf)
        await ebay.post(f"/sandbox/returns/{rid}/ship", json={})
        await ebay.post(f"/sandbox/returns/{rid}/deliver")
        await ebay.post("/sandbox/clock", json={"advance_s": 2 * DAY + 1})
        closed = (await ebay.get(f"{PO}/return/{rid}", headers=seller.iaf)).json()
        assert closed["detail"]["closeInfo"]["returnCloseReason"] == "EBAY_REFUNDED"
        assert (await seller.get_order(order["orderId"]))["orderPaymentStatus"] == "FULLY_REFUNDED"


class TestInquiries:
    async def test_opened_once_late_then_answered_with_tracking_or_refunded(self, ebay, seller) -> None:
        order = await seller.order()
        early = await ebay.post(f"/sandbox/orders/{order['orderId']}/inquiry", json={})
        assert (early.status_code, error_id(early)) == (400, 1704)
        await ebay.post("/sandbox/clock", json={"advance_s": 8 * DAY})
        inquiry = (await ebay.post(f"/sandbox/orders/{order['orderId']}/inquiry", json={})).json()
        assert inquiry["inquiryStatusEnum"] == "WAITING_SELLER_RESPONSE"
        [member] = (await ebay.get(f"{PO}/inquiry/search", headers=seller.iaf)).json()["members"]
        assert member["transactionId"] == order["lineItems"][0]["lineItemId"]
        info = {"shippingCarrierName": "COLISSIMO", "trackingNumber": "6A1"}
        iid = inquiry["inquiryId"]
        assert (
            await ebay.post(f"{PO}/inquiry/{iid}/provide_shipment_info", json=info, headers=seller.iaf)
        ).status_code == 200
        assert (await ebay.get(f"{PO}/inquiry/{iid}", headers=seller.iaf)).json()[
            "inquiryStatusEnum"
        ] == "WAITING_BUYER_RESPONSE"
        refunded = await ebay.post(f"{PO}/inquiry/{iid}/issue_refund", json={}, headers=seller.iaf)
        assert refunded.json()["refundResult"]["refundStatus"] == "SUCCESS"
        assert (await seller.get_order(order["orderId"]))["orderPaymentStatus"] == "FULLY_REFUNDED"

    async def test_an_unanswered_inquiry_is_escalated(self, ebay, seller) -> None:
        order = await seller.order()
        await ebay.post("/sandbox/clock", json={"advance_s": 8 * DAY})
        iid = (await ebay.post(f"/sandbox/orders/{order['orderId']}/inquiry", json={})).json()["inquiryId"]
        await ebay.post("/sandbox/clock", json={"advance_s": 3 * DAY + 1})
        late = await ebay.post(f"{PO}/inquiry/{iid}/issue_refund", json={}, headers=seller.iaf)
        assert (late.status_code, error_id(late)) == (400, 1708)


class TestPaymentDisputes:
    async def test_accept_refunds_and_a_stale_revision_is_refused(self, ebay, seller) -> None:
        order = await seller.order()
        did = (await ebay.post(f"/sandbox/orders/{order['orderId']}/payment-dispute", json={})).json()[
            "paymentDisputeId"
        ]
        [summary] = (await ebay.get(f"{FF}/payment_dispute_summary", headers=seller.bearer)).json()[
            "paymentDisputeSummaries"
        ]
        assert (summary["paymentDisputeStatus"], summary["orderId"]) == ("ACTION_NEEDED", order["orderId"])
        stale = await ebay.post(
            f"{FF}/payment_dispute/{did}/accept", json={"revision": 0}, headers=seller.bearer
        )
        assert (stale.status_code, error_id(stale)) == (409, 33003)
        assert (
            await ebay.post(f"{FF}/payment_dispute/{did}/accept", json={"revision": 1}, headers=seller.bearer)
        ).status_code == 204
        got = (await ebay.get(f"{FF}/payment_dispute/{did}", headers=seller.bearer)).json()
        assert (got["paymentDisputeStatus"], got["sellerResponse"]) == ("CLOSED", "ACCEPT")
        assert (await seller.get_order(order["orderId"]))["orderPaymentStatus"] == "FULLY_REFUNDED"

    async def test_contest_needs_the_evidence_asked_for(self, ebay, seller) -> None:
        order = await seller.order()
        did = (
            await ebay.post(
                f"/sandbox/orders/{order['orderId']}/payment-dispute",
                json={"reason": "SIGNIFICANTLY_NOT_AS_DESCRIBED"},
            )
        ).json()["paymentDisputeId"]
        bare = await ebay.post(
            f"{FF}/payment_dispute/{did}/contest", json={"revision": 1}, headers=seller.bearer
        )
        assert (bare.status_code, error_id(bare)) == (400, 33020)
        file_id = (
            await ebay.post(f"{FF}/payment_dispute/{did}/upload_evidence_file", files={"file": ("a.png", PNG, "image/png")},
                            headers=seller.bearer)
        ).json()["fileId"]  # fmt: skip
        added = await ebay.post(
            f"{FF}/payment_dispute/{did}/add_evidence",
            json={"evidenceType": "PROOF_OF_ITEM_AS_DESCRIBED", "files": [{"fileId": file_id}]},
            headers=seller.bearer,
        )
        assert added.status_code == 200, added.text
        revision = (await ebay.get(f"{FF}/payment_dispute/{did}", headers=seller.bearer)).json()["revision"]
        no_address = await ebay.post(
            f"{FF}/payment_dispute/{did}/contest", json={"revision": revision}, headers=seller.bearer
        )
        assert error_id(no_address) == 33021
        address = {"fullName": "Ana", "primaryPhone": {"phoneNumber": "0102030405"}, "country": "FR"}
        done = await ebay.post(
            f"{FF}/payment_dispute/{did}/contest",
            json={"revision": revision, "returnAddress": address},
            headers=seller.bearer,
        )
        assert done.status_code == 204
        resolved = (
            await ebay.post(f"/sandbox/payment-disputes/{did}/resolve", json={"seller_wins": True})
        ).json()
        assert resolved["resolution"]["reasonForClosure"] == "SELLER_WINS"
        assert (await seller.get_order(order["orderId"]))["orderPaymentStatus"] == "PAID"

    async def test_tracking_on_the_order_proves_delivery_and_silence_loses(self, ebay, seller) -> None:
        shipped, silent = await seller.order(), await seller.order()
        await seller.ship(shipped)
        one = (await ebay.post(f"/sandbox/orders/{shipped['orderId']}/payment-dispute", json={})).json()
        two = (await ebay.post(f"/sandbox/orders/{silent['orderId']}/payment-dispute", json={})).json()
        contested = await ebay.post(
            f"{FF}/payment_dispute/{one['paymentDisputeId']}/contest",
            json={"revision": 1},
            headers=seller.bearer,
        )
        assert contested.status_code == 204
        await ebay.post("/sandbox/clock", json={"advance_s": 7 * DAY + 1})
        lost = (
            await ebay.get(f"{FF}/payment_dispute/{two['paymentDisputeId']}", headers=seller.bearer)
        ).json()
        assert lost["resolution"]["reasonForClosure"] == "BUYER_FAVOR_SELLER_NO_RESPONSE"
        assert (await seller.get_order(silent["orderId"]))["orderPaymentStatus"] == "FULLY_REFUNDED"
