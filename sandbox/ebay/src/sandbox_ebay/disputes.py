"""The Fulfillment API's after-sale side on the sandbox: shipping fulfillments (tracking) and payment
disputes (accept, or contest with evidence, by the respondByDate), with the revision eBay checks."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox_ebay.after_sale import (
    DISPUTE_REASONS,
    DISPUTE_RESPONSE_S,
    cancelled,
    close_dispute,
    public,
    refund,
    settle,
    touch,
)
from sandbox_ebay.errors import EbayError, error_item, not_found
from sandbox_ebay.state import World, digits, iso

DOMAIN = "API_FULFILLMENT"
CARRIERS = frozenset({"USPS", "UPS", "FEDEX", "DHL", "COLISSIMO", "CHRONOPOST", "ROYAL_MAIL", "DPD", "GLS",
                      "DEUTSCHE_POST", "HERMES", "LA_POSTE", "MONDIAL_RELAY", "OTHER"})  # fmt: skip


def _bad(error_id: int, message: str, ref: str | None = None) -> EbayError:
    return EbayError(
        400,
        error_item(error_id, message, domain=DOMAIN, long_message=message, input_refs=[ref] if ref else None),
    )


# --- shipping fulfillments -------------------------------------------------------------------------


def ship(world: World, seller_name: str, order_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """createShippingFulfillment: the lines ship under one tracking number."""
    with world.lock:
        order = world.orders.get(order_id)
        if order is None or order["sellerId"] != seller_name:
            raise not_found(32100, "order", domain=DOMAIN)
        if cancelled(order):
            raise _bad(32210, "The order was cancelled: it cannot be shipped.")
        tracking, carrier = body.get("trackingNumber"), body.get("shippingCarrierCode")
        if not tracking or not isinstance(tracking, str) or len(tracking) > 40:
            raise _bad(32220, "trackingNumber is required (at most 40 characters).", "$.trackingNumber")
        if carrier not in CARRIERS:
            raise _bad(32221, f"Unknown shippingCarrierCode {carrier!r}.", "$.shippingCarrierCode")
        lines = {x["lineItemId"]: x for x in order["lineItems"]}
        wanted = body.get("lineItems") or []
        if not wanted:
            raise _bad(32222, "lineItems is required.", "$.lineItems")
        for item in wanted:
            line = lines.get(str(item.get("lineItemId")))
            if line is None:
                raise _bad(32223, f"The order has no line item {item.get('lineItemId')}.", "$.lineItems")
            if line["lineItemFulfillmentStatus"] == "FULFILLED":
                raise _bad(32224, f"The line item {line['lineItemId']} has already shipped.", "$.lineItems")
        now = world.now()
        for item in wanted:
            lines[str(item["lineItemId"])]["lineItemFulfillmentStatus"] = "FULFILLED"
        done = all(x["lineItemFulfillmentStatus"] == "FULFILLED" for x in order["lineItems"])
        order["orderFulfillmentStatus"] = "FULFILLED" if done else "IN_PROGRESS"
        fulfillment = {
            "fulfillmentId": tracking,
            "shipmentTrackingNumber": tracking,
            "shippingCarrierCode": carrier,
            "shippedDate": body.get("shippedDate") or iso(now),
            "lineItems": [
                {"lineItemId": str(i["lineItemId"]), "quantity": int(i.get("quantity") or 1)} for i in wanted
            ],
            "_delivered": None,
        }
        world.fulfillments.setdefault(order_id, []).append(fulfillment)
        touch(world, order)
        return public(fulfillment)


def fulfillments(world: World, seller_name: str, order_id: str) -> list[dict[str, Any]]:
    order = world.orders.get(order_id)
    if order is None or order["sellerId"] != seller_name:
        raise not_found(32100, "order", domain=DOMAIN)
    return [public(f) for f in world.fulfillments.get(order_id, [])]


def deliver(world: World, order_id: str) -> dict[str, Any]:
    """The carrier delivers the order's shipments to the buyer (the return window starts)."""
    with world.lock:
        shipments = world.fulfillments.get(order_id)
        if not shipments:
            raise _bad(32230, "The order has not shipped: there is nothing to deliver.")
        for shipment in shipments:
            shipment["_delivered"] = shipment["_delivered"] or world.now()
        order = world.orders[order_id]
        touch(world, order)
        return {"orderId": order_id, "deliveredDate": iso(world.now())}


# --- payment disputes ------------------------------------------------------------------------------


def open_dispute(world: World, order_id: str, reason: str) -> dict[str, Any]:
    """The buyer disputes the payment with their bank or eBay: the seller answers by respondByDate."""
    with world.lock:
        settle(world)
        order = world.orders.get(order_id)
        if order is None:
            raise not_found(32100, "order", domain=DOMAIN)
        if reason not in DISPUTE_REASONS:
            raise _bad(33000, f"Unknown dispute reason {reason}.", "reason")
        now = world.now()
        total = order["pricingSummary"]["total"]
        case: dict[str, Any] = {
            "paymentDisputeId": f"5{digits(9)}",
            "paymentDisputeStatus": "ACTION_NEEDED",
            "reason": reason,
            "orderId": order_id,
            "amount": dict(total),
            "buyerUsername": order["buyer"]["username"],
            "openDate": iso(now),
            "respondByDate": iso(now + DISPUTE_RESPONSE_S),
            "availableChoices": ["SELLER_ACCEPT", "SELLER_CONTEST"],
            "revision": 1,
            "lineItems": [
                {"itemId": x["legacyItemId"], "lineItemId": x["lineItemId"]} for x in order["lineItems"]
            ],
            "evidence": [],
            "evidenceRequests": [
                {
                    "evidenceId": digits(8),
                    "evidenceType": DISPUTE_REASONS[reason],
                    "requestDate": iso(now),
                    "respondByDate": iso(now + DISPUTE_RESPONSE_S),
                }
            ],
            "_due": now + DISPUTE_RESPONSE_S,
            "_amount": Decimal(total["value"]),
            "_seller": order["sellerId"],
        }
        world.disputes[case["paymentDisputeId"]] = case
        return public(case)


def dispute_of(world: World, seller_name: str, dispute_id: str) -> dict[str, Any]:
    settle(world)
    case = world.disputes.get(dispute_id)
    if case is None or case["_seller"] != seller_name:
        raise not_found(33001, "payment dispute", domain=DOMAIN)
    return case


def _open_for(case: dict[str, Any], choice: str, revision: Any) -> None:
    if choice not in case["availableChoices"]:
        raise EbayError(
            409,
            error_item(33002, f"The payment dispute is {case['paymentDisputeStatus']}: {choice} is not available.",
                       domain=DOMAIN),
        )  # fmt: skip
    if revision != case["revision"]:
        raise EbayError(
            409,
            error_item(33003, "The revision is not the dispute's current revision: read the dispute again.",
                       domain=DOMAIN, input_refs=["$.revision"]),
        )  # fmt: skip


def accept(world: World, seller_name: str, dispute_id: str, body: dict[str, Any]) -> None:
    """The seller accepts: the buyer is refunded and the dispute closes."""
    with world.lock:
        case = dispute_of(world, seller_name, dispute_id)
        _open_for(case, "SELLER_ACCEPT", body.get("revision"))
        refund(world, world.orders[case["orderId"]], case["_amount"], dispute_id)
        case["sellerResponse"] = "ACCEPT"
        close_dispute(world, case, "SELLER_ACCEPTED")


def upload_file(
    world: World, seller_name: str, dispute_id: str, name: str, content_type: str, data: bytes
) -> str:
    with world.lock:
        case = dispute_of(world, seller_name, dispute_id)
        if content_type not in ("image/jpeg", "image/png") or not data:
            raise _bad(33010, "Evidence files are JPEG or PNG images.", "file")
        if len(data) > 1_500_000:
            raise _bad(33011, "An evidence file is at most 1.5 MB.", "file")
        file_id = digits(10)
        world.evidence_files[file_id] = {"dispute": case["paymentDisputeId"], "name": name, "size": len(data)}
        return file_id


def add_evidence(world: World, seller_name: str, dispute_id: str, body: dict[str, Any]) -> str:
    with world.lock:
        case = dispute_of(world, seller_name, dispute_id)
        if case["paymentDisputeStatus"] != "ACTION_NEEDED":
            raise _bad(33012, "Evidence can no longer be added: the dispute was answered.")
        files = [str(f.get("fileId")) for f in body.get("files") or []]
        if not files or any(world.evidence_files.get(f, {}).get("dispute") != dispute_id for f in files):
            raise _bad(33013, "files must name files uploaded for this dispute.", "$.files")
        evidence_id = digits(8)
        case["evidence"].append(
            {"evidenceId": evidence_id, "evidenceType": body.get("evidenceType"),
             "files": [{"fileId": f} for f in files], "providedDate": iso(world.now())}
        )  # fmt: skip
        case["revision"] += 1
        return evidence_id


def contest(world: World, seller_name: str, dispute_id: str, body: dict[str, Any]) -> None:
    """The seller contests: each evidence request must be met (tracking on the order proves delivery)."""
    with world.lock:
        case = dispute_of(world, seller_name, dispute_id)
        _open_for(case, "SELLER_CONTEST", body.get("revision"))
        given = {e["evidenceType"] for e in case["evidence"]}
        if world.fulfillments.get(case["orderId"]):
            given.add("PROOF_OF_DELIVERY")
        missing = [r["evidenceType"] for r in case["evidenceRequests"] if r["evidenceType"] not in given]
        if missing:
            raise _bad(33020, f"Evidence is missing: {', '.join(missing)}.", "$.evidence")
        if case["reason"] == "SIGNIFICANTLY_NOT_AS_DESCRIBED" and not body.get("returnAddress"):
            raise _bad(
                33021, "returnAddress is required to contest a not-as-described dispute.", "$.returnAddress"
            )
        case.update(paymentDisputeStatus="OPEN", sellerResponse="CONTEST", availableChoices=[])
        case["note"] = str(body.get("note") or "")[:1000]
        case["_due"] = None
        case["revision"] += 1


def resolve(world: World, dispute_id: str, seller_wins: bool) -> dict[str, Any]:
    """eBay (or the card issuer) decides a contested dispute."""
    with world.lock:
        settle(world)
        case = world.disputes.get(dispute_id)
        if case is None:
            raise not_found(33001, "payment dispute", domain=DOMAIN)
        if case["paymentDisputeStatus"] != "OPEN":
            raise _bad(33030, f"The dispute is {case['paymentDisputeStatus']}: there is nothing to decide.")
        if not seller_wins:
            refund(world, world.orders[case["orderId"]], case["_amount"], dispute_id)
        close_dispute(world, case, "SELLER_WINS" if seller_wins else "BUYER_WINS")
        return public(case)
