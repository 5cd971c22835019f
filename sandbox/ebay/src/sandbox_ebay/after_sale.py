"""After-sale on the sandbox: Post-Order cancellations, returns and "item not received" inquiries, the
Fulfillment API's payment disputes and shipping fulfillments.

Each case is a state machine with eBay's deadlines. Deadlines are checked lazily: a case past its deadline
moves on (as eBay moves it) the next time anything reads or acts on it. Times come from ``world.now()``,
which ``POST /sandbox/clock`` moves forward.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox_ebay.errors import PostOrderError
from sandbox_ebay.routes_sell import cancel
from sandbox_ebay.state import World, digits, iso

DAY = 86_400.0
# A buyer may ask to cancel within one hour of purchase (EBAY_US's cutoff; other sites are close).
CANCEL_CUTOFF_S = 3_600.0
# The seller answers a cancellation request, a return request or an inquiry within 3 (business) days;
# the sandbox counts calendar days.
SELLER_RESPONSE_S = 3 * DAY
# Once a returned item is back, the seller refunds within 2 business days (calendar days here).
REFUND_AFTER_RECEIPT_S = 2 * DAY
# An inquiry opens once the latest estimated delivery date has passed, and up to 30 days after it.
ESTIMATED_DELIVERY_S = 7 * DAY
INR_WINDOW_S = 30 * DAY
# A payment dispute is answered by its respondByDate (the sandbox's reading: 7 days).
DISPUTE_RESPONSE_S = 7 * DAY
DEFAULT_RETURN_DAYS = 30
# eBay Money Back Guarantee: a not-as-described return is open 30 days after delivery whatever the policy.
SNAD_RETURN_DAYS = 30
REMORSE = frozenset(
    {"NO_LONGER_NEED_ITEM", "ORDERED_ACCIDENTALLY", "FOUND_BETTER_PRICE", "WRONG_SIZE", "NO_REASON",
     "RETURNING_GIFT", "ORDERED_WRONG_ITEM"}
)  # fmt: skip
SNAD = frozenset(
    {"ARRIVED_DAMAGED", "DEFECTIVE_ITEM", "DIFFERENT_FROM_LISTING", "MISSING_PARTS", "FAKE_OR_COUNTERFEIT",
     "BUYER_RECEIVED_WRONG_ITEM"}
)  # fmt: skip
DISPUTE_REASONS = {
    "ITEM_NOT_RECEIVED": "PROOF_OF_DELIVERY",
    "SIGNIFICANTLY_NOT_AS_DESCRIBED": "PROOF_OF_ITEM_AS_DESCRIBED",
    "UNAUTHORIZED_PAYMENT": "PROOF_OF_DELIVERY",
    "DUPLICATE_PAYMENT": "PROOF_OF_REFUND",
    "INCORRECT_PAYMENT": "PROOF_OF_REFUND",
}
CANCEL, RETURN, INQUIRY = "cancelErrorDomain", "returnErrorDomain", "inquiryErrorDomain"


def when(ts: float) -> dict[str, str]:
    """Post-Order's DateTime: an object holding the ISO value."""
    return {"value": iso(ts)}


def public(case: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in case.items() if not k.startswith("_")}


# --- orders ----------------------------------------------------------------------------------------


def order_of(world: World, order_id: str, domain: str = CANCEL) -> dict[str, Any]:
    order = world.orders.get(order_id)
    if order is None:
        raise PostOrderError(404, 1510, f"The order {order_id} does not exist.", domain=domain)
    return order


def line_of(order: dict[str, Any], line_item_id: str | None, domain: str) -> dict[str, Any]:
    lines: list[dict[str, Any]] = order["lineItems"]
    if line_item_id is None:
        return lines[0]
    for line in lines:
        if line["lineItemId"] == line_item_id:
            return line
    raise PostOrderError(400, 1511, f"The order has no line item {line_item_id}.", domain=domain)


def shipped(order: dict[str, Any]) -> bool:
    return any(x["lineItemFulfillmentStatus"] != "NOT_STARTED" for x in order["lineItems"])


def cancelled(order: dict[str, Any]) -> bool:
    return bool(order["cancelStatus"]["cancelState"] == "CANCELED")


def touch(world: World, order: dict[str, Any]) -> None:
    now = max(world.now(), float(order["_modified"]))
    order["lastModifiedDate"], order["_modified"] = iso(now), now


def refund(world: World, order: dict[str, Any], amount: Decimal, why: str) -> None:
    """Money back to the buyer: the order is partly or fully refunded, as getOrders shows it."""
    total = Decimal(order["pricingSummary"]["total"]["value"])
    done = min(total, Decimal(str(order.get("_refunded", "0"))) + amount)
    order["_refunded"] = str(done)
    order["orderPaymentStatus"] = "FULLY_REFUNDED" if done >= total else "PARTIALLY_REFUNDED"
    currency = order["pricingSummary"]["total"]["currency"]
    order.setdefault("paymentSummary", {}).setdefault("refunds", []).append(
        {"amount": {"value": f"{amount:.2f}", "currency": currency}, "refundDate": iso(world.now()),
         "refundStatus": "REFUNDED", "refundReferenceId": why}
    )  # fmt: skip
    touch(world, order)


def line_amount(line: dict[str, Any]) -> Decimal:
    return Decimal(str(line["total"]["value"]))


# --- deadlines -------------------------------------------------------------------------------------


def settle(world: World) -> None:
    """Move every case past its deadline as eBay would."""
    now = world.now()
    for case in world.cancellations.values():
        if case["cancelState"] == "APPROVAL_PENDING" and now > case["_due"]:
            # Unanswered: the request lapses and the order stands.
            case.update(
                cancelState="CLOSED", cancelStatus="CANCEL_CLOSED_NO_REFUND", cancelCloseDate=when(now)
            )
            case["_order_status"]["cancelRequestState"] = "REJECTED"
            order = world.orders[case["legacyOrderId"]]
            order["cancelStatus"]["cancelState"] = "NONE_REQUESTED"
            touch(world, order)
    for case in world.returns.values():
        due = case.get("sellerResponseDue")
        if case["status"] in ("CLOSED", "ESCALATED") or due is None or now <= case["_due"]:
            continue
        if case["status"] == "ITEM_DELIVERED":
            # The item is back and the seller did not refund: eBay refunds the buyer.
            refund(world, world.orders[case["orderId"]], case["_amount"], case["returnId"])
            close_return(world, case, "EBAY_REFUNDED")
        else:
            move_return(case, "ESCALATED", options=[], due=None)
            case["escalationInfo"] = {"buyerEscalationEligibilityInfo": {"eligible": False}}
    for case in world.inquiries.values():
        if case["inquiryStatusEnum"] == "WAITING_SELLER_RESPONSE" and now > case["_due"]:
            case.update(
                inquiryStatusEnum="CLOSED_WITH_ESCALATION", state="CLOSED", lastModifiedDate=when(now)
            )
            case["escalationDate"] = when(now)
    for case in world.disputes.values():
        if case["paymentDisputeStatus"] == "ACTION_NEEDED" and now > case["_due"]:
            refund(world, world.orders[case["orderId"]], case["_amount"], case["paymentDisputeId"])
            close_dispute(world, case, "BUYER_FAVOR_SELLER_NO_RESPONSE")


# --- cancellations ---------------------------------------------------------------------------------


def cancel_eligibility(world: World, order: dict[str, Any]) -> list[str]:
    """Why ``order`` cannot be cancelled (empty: it can)."""
    reasons = []
    if cancelled(order):
        reasons.append("ORDER_ALREADY_CANCELLED")
    if shipped(order):
        reasons.append("ORDER_ALREADY_SHIPPED")
    if any(
        c["legacyOrderId"] == order["orderId"] and c["cancelState"] == "APPROVAL_PENDING"
        for c in world.cancellations.values()
    ):
        reasons.append("CANCEL_REQUEST_ALREADY_EXISTS")
    return reasons


def request_cancellation(world: World, order_id: str, reason: str) -> dict[str, Any]:
    """The buyer asks to cancel: refused once shipped, after the cutoff, or when already asked."""
    with world.lock:
        settle(world)
        order = order_of(world, order_id)
        refused = cancel_eligibility(world, order)
        if refused:
            raise PostOrderError(
                400, 1504, f"The order cannot be cancelled: {', '.join(refused)}.", domain=CANCEL
            )
        now = world.now()
        if now - float(order["_created"]) > CANCEL_CUTOFF_S:
            raise PostOrderError(
                400, 1505, "A buyer can ask to cancel only within one hour of purchase.", domain=CANCEL
            )
        status = {"cancelReason": reason, "cancelRequestState": "REQUESTED", "cancelInitiator": "Buyer",
                  "cancelRequestedDate": iso(now), "cancelRequestId": digits(10)}  # fmt: skip
        order["cancelStatus"] = {"cancelState": "IN_PROGRESS", "cancelRequests": [status]}
        touch(world, order)
        case = {
            "cancelId": status["cancelRequestId"],
            "marketplaceId": world.sellers_by_name(order["sellerId"]).marketplace,
            "legacyOrderId": order_id,
            "requestorType": "BUYER",
            "cancelReason": reason,
            "cancelState": "APPROVAL_PENDING",
            "cancelStatus": "CANCEL_REQUESTED",
            "buyerLoginName": order["buyer"]["username"],
            "sellerLoginName": order["sellerId"],
            "requestRefundAmount": dict(order["pricingSummary"]["total"]),
            "cancelRequestDate": when(now),
            "sellerResponseDueDate": when(now + SELLER_RESPONSE_S),
            "_due": now + SELLER_RESPONSE_S,
            "_order_status": status,
        }
        world.cancellations[case["cancelId"]] = case
        return public(case)


def cancellation_of(world: World, seller_name: str, cancel_id: str) -> dict[str, Any]:
    settle(world)
    case = world.cancellations.get(cancel_id)
    if case is None or case["sellerLoginName"] != seller_name:
        raise PostOrderError(404, 1501, f"The cancellation {cancel_id} does not exist.", domain=CANCEL)
    return case


def _pending(case: dict[str, Any]) -> None:
    if case["cancelState"] != "APPROVAL_PENDING":
        raise PostOrderError(
            400,
            1506,
            f"The cancellation request is {case['cancelStatus']}: it no longer awaits you.",
            domain=CANCEL,
        )


def approve_cancellation(world: World, seller_name: str, cancel_id: str) -> None:
    """The seller approves: the order is cancelled and refunded (refused once it has shipped)."""
    with world.lock:
        case = cancellation_of(world, seller_name, cancel_id)
        _pending(case)
        order = world.orders[case["legacyOrderId"]]
        if shipped(order):
            raise PostOrderError(
                400, 1507, "The order has shipped: it can no longer be cancelled; the buyer may return it.",
                domain=CANCEL,
            )  # fmt: skip
        cancel(world, order["orderId"], case["cancelReason"])
        now = world.now()
        case["_order_status"]["cancelRequestState"] = "COMPLETED"
        order["cancelStatus"]["cancelRequests"] = [case["_order_status"]]
        case.update(cancelState="CLOSED", cancelStatus="CANCEL_CLOSED_WITH_REFUND", cancelCloseDate=when(now))
        case["paymentStatus"] = "REFUNDED"


def reject_cancellation(
    world: World, seller_name: str, cancel_id: str, shipped_at: str | None, tracking: str | None
) -> None:
    """The seller refuses (usually because it has shipped); the order stands."""
    with world.lock:
        case = cancellation_of(world, seller_name, cancel_id)
        _pending(case)
        now = world.now()
        case.update(cancelState="CLOSED", cancelStatus="CANCEL_REJECTED", cancelCloseDate=when(now))
        if shipped_at:
            case["shipmentDate"] = {"value": shipped_at}
        if tracking:
            case["trackingNumber"] = tracking
        case["_order_status"]["cancelRequestState"] = "REJECTED"
        order = world.orders[case["legacyOrderId"]]
        order["cancelStatus"] = {"cancelState": "NONE_REQUESTED", "cancelRequests": [case["_order_status"]]}
        touch(world, order)


# --- returns ---------------------------------------------------------------------------------------


def delivered_at(world: World, order: dict[str, Any]) -> float | None:
    done = [f["_delivered"] for f in world.fulfillments.get(order["orderId"], []) if f.get("_delivered")]
    return min(done) if done else None


def return_policy_days(world: World, order: dict[str, Any], line: dict[str, Any]) -> int | None:
    """The listing's return period in days (None: the seller accepts no returns)."""
    listing = world.listings.get(line["legacyItemId"])
    offer = world.offers.get(listing["offerId"]) if listing else None
    seller = world.sellers_by_name(order["sellerId"])
    policy_id = ((offer or {}).get("listingPolicies") or {}).get("returnPolicyId")
    policy = seller.policies["return"].get(str(policy_id)) if policy_id else None
    if policy is None:
        return DEFAULT_RETURN_DAYS
    if not policy.get("returnsAccepted", True):
        return None
    return int((policy.get("returnPeriod") or {}).get("value") or DEFAULT_RETURN_DAYS)


def move_return(
    case: dict[str, Any], status: str, *, options: list[str], due: tuple[str, float] | None
) -> None:
    case["state"] = case["status"] = status
    case["sellerAvailableOptions"] = [{"actionType": o} for o in options]
    if due is None:
        case.pop("sellerResponseDue", None)
        case["_due"] = None
    else:
        case["sellerResponseDue"] = {"activityDue": due[0], "respondByDate": when(due[1])}
        case["_due"] = due[1]


def close_return(world: World, case: dict[str, Any], why: str) -> None:
    move_return(case, "CLOSED", options=[], due=None)
    case["_detail"]["closeInfo"] = {"returnCloseReason": why, "closeDate": when(world.now())}


def open_return(
    world: World,
    order_id: str,
    line_item_id: str | None,
    reason: str,
    comments: str,
    quantity: int | None = None,
) -> dict[str, Any]:
    """The buyer opens a return: only after delivery, inside the return window."""
    with world.lock:
        settle(world)
        order = order_of(world, order_id, RETURN)
        line = line_of(order, line_item_id, RETURN)
        quantity = quantity or int(line["quantity"])
        if not 1 <= quantity <= int(line["quantity"]):
            raise PostOrderError(
                400, 1606, f"At most {line['quantity']} unit(s) can be returned.", domain=RETURN
            )
        if reason not in REMORSE | SNAD:
            raise PostOrderError(400, 1601, f"Unknown return reason {reason}.", domain=RETURN)
        arrived = delivered_at(world, order)
        if cancelled(order) or arrived is None:
            raise PostOrderError(
                400, 1602, "The item has not been delivered: a return can be opened only after delivery.",
                domain=RETURN,
            )  # fmt: skip
        days = SNAD_RETURN_DAYS if reason in SNAD else return_policy_days(world, order, line)
        if days is None:
            raise PostOrderError(400, 1603, "The seller does not accept returns.", domain=RETURN)
        now = world.now()
        if now - arrived > days * DAY:
            raise PostOrderError(
                400, 1604, f"The return window has closed: returns are accepted within {days} days of delivery.",
                domain=RETURN,
            )  # fmt: skip
        if any(
            r["orderId"] == order_id and r["creationInfo"]["item"]["transactionId"] == line["lineItemId"]
            and r["status"] != "CLOSED"
            for r in world.returns.values()
        ):  # fmt: skip
            raise PostOrderError(400, 1605, "A return is already open for this item.", domain=RETURN)
        amount = (line_amount(line) * quantity / int(line["quantity"])).quantize(Decimal("0.01"))
        currency = line["total"]["currency"]
        case: dict[str, Any] = {
            "returnId": digits(10),
            "orderId": order_id,
            "buyerLoginName": order["buyer"]["username"],
            "sellerLoginName": order["sellerId"],
            "currentType": "MONEY_BACK",
            "creationInfo": {
                "item": {
                    "itemId": line["legacyItemId"],
                    "transactionId": line["lineItemId"],
                    "returnQuantity": quantity,
                },
                "type": "MONEY_BACK",
                "reason": reason,
                "reasonType": "SNAD" if reason in SNAD else "REMORSE",
                "comments": {"content": comments},
                "creationDate": when(now),
            },
            "sellerTotalRefund": {"estimatedRefundAmount": {"value": f"{amount:.2f}", "currency": currency}},
            "_amount": amount,
            "_seller": order["sellerId"],
            "_detail": {"returnShipmentInfo": {"shipmentTracking": {"deliveryStatus": "UNKNOWN"}}},
        }
        options = ["SELLER_APPROVE_REQUEST", "SELLER_ISSUE_REFUND"]
        if reason in REMORSE:
            options.insert(1, "SELLER_DECLINE_REQUEST")
        move_return(
            case, "RETURN_REQUESTED", options=options, due=("SELLER_APPROVE_REQUEST", now + SELLER_RESPONSE_S)
        )
        world.returns[case["returnId"]] = case
        return public(case)


def return_of(world: World, seller_name: str, return_id: str) -> dict[str, Any]:
    settle(world)
    case = world.returns.get(return_id)
    if case is None or case["sellerLoginName"] != seller_name:
        raise PostOrderError(404, 1600, f"The return {return_id} does not exist.", domain=RETURN)
    return case


def _allowed(case: dict[str, Any], action: str) -> None:
    if action not in {o["actionType"] for o in case["sellerAvailableOptions"]}:
        raise PostOrderError(
            400, 1610, f"The return is {case['status']}: {action} is not available now.", domain=RETURN
        )


def decide_return(world: World, seller_name: str, return_id: str, decision: str) -> None:
    with world.lock:
        case = return_of(world, seller_name, return_id)
        if decision == "ACCEPT":
            _allowed(case, "SELLER_APPROVE_REQUEST")
            move_return(
                case,
                "READY_FOR_SHIPPING",
                options=["SELLER_ISSUE_REFUND", "SELLER_MARK_AS_RECEIVED"],
                due=None,
            )
            case["buyerResponseDue"] = {"activityDue": "BUYER_SHIP_ITEM"}
        elif decision == "DECLINE":
            if case["creationInfo"]["reasonType"] == "SNAD":
                raise PostOrderError(
                    400, 1611, "A not-as-described return is covered by the eBay Money Back Guarantee: it "
                    "cannot be declined.", domain=RETURN,
                )  # fmt: skip
            _allowed(case, "SELLER_DECLINE_REQUEST")
            close_return(world, case, "SELLER_DECLINED")
        else:
            raise PostOrderError(400, 1612, f"Unsupported decision {decision}.", domain=RETURN)


def mark_return_received(world: World, seller_name: str, return_id: str) -> None:
    with world.lock:
        case = return_of(world, seller_name, return_id)
        _allowed(case, "SELLER_MARK_AS_RECEIVED")
        _item_back(world, case)


def _item_back(world: World, case: dict[str, Any]) -> None:
    now = world.now()
    tracking = case["_detail"]["returnShipmentInfo"]["shipmentTracking"]
    tracking.update(deliveryStatus="DELIVERED", actualDeliveryDate=when(now))
    case.pop("buyerResponseDue", None)
    move_return(
        case,
        "ITEM_DELIVERED",
        options=["SELLER_ISSUE_REFUND"],
        due=("SELLER_ISSUE_REFUND", now + REFUND_AFTER_RECEIPT_S),
    )


def refund_return(world: World, seller_name: str, return_id: str, amount: Decimal | None) -> Decimal:
    with world.lock:
        case = return_of(world, seller_name, return_id)
        _allowed(case, "SELLER_ISSUE_REFUND")
        amount = case["_amount"] if amount is None else amount
        if amount <= 0 or amount > case["_amount"]:
            raise PostOrderError(
                400, 1613, f"The refund must be more than 0 and at most {case['_amount']:.2f}.", domain=RETURN
            )
        refund(world, world.orders[case["orderId"]], amount, return_id)
        case["sellerTotalRefund"]["actualRefundAmount"] = {
            "value": f"{amount:.2f}", "currency": case["sellerTotalRefund"]["estimatedRefundAmount"]["currency"]
        }  # fmt: skip
        close_return(world, case, "REFUND_ISSUED" if amount == case["_amount"] else "PARTIAL_REFUND_ISSUED")
        return amount


def buyer_ships_return(world: World, return_id: str, tracking: str) -> dict[str, Any]:
    with world.lock:
        settle(world)
        case = world.returns.get(return_id)
        if case is None:
            raise PostOrderError(404, 1600, f"The return {return_id} does not exist.", domain=RETURN)
        if case["status"] != "READY_FOR_SHIPPING":
            raise PostOrderError(
                400, 1614, f"The return is {case['status']}: nothing to ship.", domain=RETURN
            )
        case["_detail"]["returnShipmentInfo"]["shipmentTracking"].update(
            trackingNumber=tracking, deliveryStatus="IN_TRANSIT"
        )
        case.pop("buyerResponseDue", None)
        move_return(
            case, "ITEM_SHIPPED", options=["SELLER_ISSUE_REFUND", "SELLER_MARK_AS_RECEIVED"], due=None
        )
        return public(case)


def return_delivered(world: World, return_id: str) -> dict[str, Any]:
    """The carrier delivers the returned item to the seller."""
    with world.lock:
        settle(world)
        case = world.returns.get(return_id)
        if case is None:
            raise PostOrderError(404, 1600, f"The return {return_id} does not exist.", domain=RETURN)
        if case["status"] != "ITEM_SHIPPED":
            raise PostOrderError(
                400, 1615, f"The return is {case['status']}: nothing in transit.", domain=RETURN
            )
        _item_back(world, case)
        return public(case)


# --- inquiries -------------------------------------------------------------------------------------


def open_inquiry(world: World, order_id: str, line_item_id: str | None, outcome: str) -> dict[str, Any]:
    """The buyer says the item did not arrive: only after the estimated delivery date, within 30 days."""
    with world.lock:
        settle(world)
        order = order_of(world, order_id, INQUIRY)
        line = line_of(order, line_item_id, INQUIRY)
        now = world.now()
        expected = float(order["_created"]) + ESTIMATED_DELIVERY_S
        if cancelled(order):
            raise PostOrderError(400, 1702, "The order was cancelled.", domain=INQUIRY)
        if delivered_at(world, order) is not None:
            raise PostOrderError(400, 1703, "Tracking shows the item delivered.", domain=INQUIRY)
        if now < expected:
            raise PostOrderError(
                400,
                1704,
                f"The item is not late yet: an inquiry can be opened after {iso(expected)}.",
                domain=INQUIRY,
            )
        if now > expected + INR_WINDOW_S:
            raise PostOrderError(
                400, 1705, "The time to report an item not received has passed.", domain=INQUIRY
            )
        if any(
            i["transactionId"] == line["lineItemId"] and i["state"] != "CLOSED"
            for i in world.inquiries.values()
        ):
            raise PostOrderError(400, 1706, "An inquiry is already open for this item.", domain=INQUIRY)
        case = {
            "inquiryId": digits(10),
            "itemId": line["legacyItemId"],
            "transactionId": line["lineItemId"],
            "buyer": order["buyer"]["username"],
            "seller": order["sellerId"],
            "inquiryStatusEnum": "WAITING_SELLER_RESPONSE",
            "state": "CREATED",
            "desiredOutcome": outcome,
            "claimAmount": dict(line["total"]),
            "creationDate": when(now),
            "lastModifiedDate": when(now),
            "respondByDate": when(now + SELLER_RESPONSE_S),
            "_due": now + SELLER_RESPONSE_S,
            "_order": order_id,
            "_amount": line_amount(line),
        }
        world.inquiries[case["inquiryId"]] = case
        return public(case)


def inquiry_of(world: World, seller_name: str, inquiry_id: str) -> dict[str, Any]:
    settle(world)
    case = world.inquiries.get(inquiry_id)
    if case is None or case["seller"] != seller_name:
        raise PostOrderError(404, 1700, f"The inquiry {inquiry_id} does not exist.", domain=INQUIRY)
    return case


def inquiry_shipment(world: World, seller_name: str, inquiry_id: str, carrier: str, tracking: str) -> None:
    with world.lock:
        case = inquiry_of(world, seller_name, inquiry_id)
        if case["inquiryStatusEnum"] != "WAITING_SELLER_RESPONSE":
            raise PostOrderError(
                400,
                1707,
                f"The inquiry is {case['inquiryStatusEnum']}: it no longer awaits you.",
                domain=INQUIRY,
            )
        now = world.now()
        case.update(inquiryStatusEnum="WAITING_BUYER_RESPONSE", state="OTHER", lastModifiedDate=when(now))
        case["shipmentInfo"] = {
            "shippingCarrierName": carrier,
            "trackingNumber": tracking,
            "shippingDate": when(now),
        }
        case["_due"] = None


def inquiry_refund(world: World, seller_name: str, inquiry_id: str) -> None:
    with world.lock:
        case = inquiry_of(world, seller_name, inquiry_id)
        if case["inquiryStatusEnum"] not in ("WAITING_SELLER_RESPONSE", "WAITING_BUYER_RESPONSE"):
            raise PostOrderError(
                400, 1708, f"The inquiry is {case['inquiryStatusEnum']}: it can no longer be refunded here.",
                domain=INQUIRY,
            )  # fmt: skip
        refund(world, world.orders[case["_order"]], case["_amount"], inquiry_id)
        case.update(inquiryStatusEnum="CLOSED", state="CLOSED", lastModifiedDate=when(world.now()))
        case["_due"] = None


def close_dispute(world: World, case: dict[str, Any], outcome: str) -> None:
    """A payment dispute ends; ``outcome`` says in whose favour and why."""
    case.update(paymentDisputeStatus="CLOSED", closedDate=iso(world.now()), availableChoices=[])
    case["resolution"] = {"reasonForClosure": outcome}
    case["_due"] = None
    case["revision"] += 1
