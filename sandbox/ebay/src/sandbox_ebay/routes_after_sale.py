"""eBay's after-sale endpoints on the sandbox: Post-Order v2 (cancellation, return, inquiry) and the
Fulfillment API's shipping_fulfillment and payment_dispute resources."""

from __future__ import annotations

import time
from datetime import datetime
from decimal import Decimal, InvalidOperation
from email.parser import BytesParser
from email.policy import HTTP
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from sandbox_ebay import after_sale, disputes
from sandbox_ebay.deps import CurrentSeller, WorldDep
from sandbox_ebay.errors import EbayError, PostOrderError, error_item
from sandbox_ebay.routes_sell import FULFILLMENT, _json
from sandbox_ebay.state import Seller

router = APIRouter()
POST_ORDER = "/post-order/v2"


def _post_order_seller(request: Request, world: WorldDep) -> Seller:
    """Post-Order takes ``Authorization: IAF <OAuth token>`` (or ``TOKEN <Auth'n'Auth token>``), not Bearer."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    found = world.access.get(token.strip()) if scheme.upper() in ("IAF", "TOKEN") else None
    seller = world.sellers.get(found.user_id or "") if found and found.expires_at > time.time() else None
    if seller is None:
        raise PostOrderError(
            401, 1001, "Invalid access token: send Authorization: IAF <token>.", domain="Security"
        )
    return seller


PostOrderSeller = Annotated[Seller, Depends(_post_order_seller)]


def _since(request: Request, name: str) -> float | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp()
    except ValueError as exc:
        raise PostOrderError(400, 1002, f"{name} is not an ISO 8601 date.", domain="Selling") from exc


def _page(request: Request, found: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """Post-Order's paging: ``limit`` per page (≤ 200), ``offset`` the page number from 1."""
    try:
        limit = int(request.query_params.get("limit", 25))
        page = int(request.query_params.get("offset", 1))
    except ValueError as exc:
        raise PostOrderError(400, 1003, "limit and offset are integers.", domain="Selling") from exc
    if not 1 <= limit <= 200 or page < 1:
        raise PostOrderError(
            400, 1003, "limit is 1 to 200 and offset (a page number) starts at 1.", domain="Selling"
        )
    pages = max(1, -(-len(found) // limit))
    body = [after_sale.public(c) for c in found[(page - 1) * limit : page * limit]]
    return {key: body, "paginationOutput": {"limit": limit, "offset": page, "totalEntries": len(found),
                                            "totalPages": pages}}  # fmt: skip


def _created_between(
    request: Request, cases: list[dict[str, Any]], field: str, prefix: str
) -> list[dict[str, Any]]:
    start, end = _since(request, f"{prefix}_from"), _since(request, f"{prefix}_to")
    out = []
    for case in cases:
        created = datetime.fromisoformat(case_date(case, field).replace("Z", "+00:00")).timestamp()
        if (start is None or created >= start) and (end is None or created <= end):
            out.append(case)
    return out


def case_date(case: dict[str, Any], field: str) -> str:
    value: Any = case
    for part in field.split("."):
        value = value[part]
    return str(value)


# --- cancellation ----------------------------------------------------------------------------------


@router.post(f"{POST_ORDER}/cancellation/check_eligibility", tags=["post-order"])
async def check_eligibility(request: Request, world: WorldDep, seller: PostOrderSeller) -> dict[str, Any]:
    order_id = str((await _json(request)).get("legacyOrderId") or "")
    with world.lock:
        after_sale.settle(world)
        order = world.orders.get(order_id)
        if order is None or order["sellerId"] != seller.username:
            raise PostOrderError(404, 1510, f"The order {order_id} does not exist.", domain=after_sale.CANCEL)
        refused = after_sale.cancel_eligibility(world, order)
    return {
        "legacyOrderId": order_id,
        "eligible": not refused,
        "failureReason": refused,
        "eligibleCancelReason": [] if refused else ["OUT_OF_STOCK_OR_CANNOT_FULFILL", "BUYER_ASKED_CANCEL",
                                                    "ADDRESS_ISSUES"],
    }  # fmt: skip


@router.get(f"{POST_ORDER}/cancellation/search", tags=["post-order"])
async def search_cancellations(request: Request, world: WorldDep, seller: PostOrderSeller) -> dict[str, Any]:
    with world.lock:
        after_sale.settle(world)
        found = [c for c in world.cancellations.values() if c["sellerLoginName"] == seller.username]
        if request.query_params.get("legacy_order_id"):
            found = [c for c in found if c["legacyOrderId"] == request.query_params["legacy_order_id"]]
        found = _created_between(request, found, "cancelRequestDate.value", "creation_date_range")
        body = _page(request, found, "cancellations")
    body["total"] = body["paginationOutput"]["totalEntries"]
    return body


@router.get(POST_ORDER + "/cancellation/{cancel_id}", tags=["post-order"])
async def get_cancellation(cancel_id: str, world: WorldDep, seller: PostOrderSeller) -> dict[str, Any]:
    with world.lock:
        return {
            "cancelDetail": after_sale.public(after_sale.cancellation_of(world, seller.username, cancel_id))
        }


@router.post(POST_ORDER + "/cancellation/{cancel_id}/approve", tags=["post-order"])
async def approve(cancel_id: str, world: WorldDep, seller: PostOrderSeller) -> Response:
    after_sale.approve_cancellation(world, seller.username, cancel_id)
    return Response(status_code=200)


@router.post(POST_ORDER + "/cancellation/{cancel_id}/reject", tags=["post-order"])
async def reject(cancel_id: str, request: Request, world: WorldDep, seller: PostOrderSeller) -> Response:
    body = await _json(request)  # eBay wants at least {} here
    shipped_at = (body.get("shipmentDate") or {}).get("value")
    after_sale.reject_cancellation(world, seller.username, cancel_id, shipped_at, body.get("trackingNumber"))
    return Response(status_code=200)


# --- return ----------------------------------------------------------------------------------------


@router.get(f"{POST_ORDER}/return/search", tags=["post-order"])
async def search_returns(request: Request, world: WorldDep, seller: PostOrderSeller) -> dict[str, Any]:
    state = request.query_params.get("return_state")
    with world.lock:
        after_sale.settle(world)
        found = [r for r in world.returns.values() if r["sellerLoginName"] == seller.username]
        if state == "ALL_OPEN":
            found = [r for r in found if r["status"] != "CLOSED"]
        elif state == "CLOSED":
            found = [r for r in found if r["status"] == "CLOSED"]
        found = _created_between(request, found, "creationInfo.creationDate.value", "creation_date_range")
        return _page(request, found, "members")


@router.get(POST_ORDER + "/return/{return_id}", tags=["post-order"])
async def get_return(return_id: str, world: WorldDep, seller: PostOrderSeller) -> dict[str, Any]:
    with world.lock:
        case = after_sale.return_of(world, seller.username, return_id)
        return {"summary": after_sale.public(case), "detail": case["_detail"]}


@router.post(POST_ORDER + "/return/{return_id}/decide", tags=["post-order"])
async def decide(return_id: str, request: Request, world: WorldDep, seller: PostOrderSeller) -> Response:
    body = await _json(request)
    after_sale.decide_return(world, seller.username, return_id, str(body.get("decision") or ""))
    return Response(status_code=200)


@router.post(POST_ORDER + "/return/{return_id}/mark_as_received", tags=["post-order"])
async def mark_as_received(return_id: str, world: WorldDep, seller: PostOrderSeller) -> Response:
    after_sale.mark_return_received(world, seller.username, return_id)
    return Response(status_code=200)


@router.post(POST_ORDER + "/return/{return_id}/issue_refund", tags=["post-order"])
async def issue_return_refund(
    return_id: str, request: Request, world: WorldDep, seller: PostOrderSeller
) -> dict[str, Any]:
    total = ((await _json(request)).get("refundDetail") or {}).get("totalAmount") or {}
    try:
        amount = Decimal(str(total["value"])) if "value" in total else None
    except InvalidOperation as exc:
        raise PostOrderError(
            400, 1613, "refundDetail.totalAmount.value is not an amount.", domain=after_sale.RETURN
        ) from exc
    after_sale.refund_return(world, seller.username, return_id, amount)
    return {"refundStatus": "SUCCESS"}


# --- inquiry ---------------------------------------------------------------------------------------


@router.get(f"{POST_ORDER}/inquiry/search", tags=["post-order"])
async def search_inquiries(request: Request, world: WorldDep, seller: PostOrderSeller) -> dict[str, Any]:
    status = request.query_params.get("inquiry_status")
    with world.lock:
        after_sale.settle(world)
        found = [i for i in world.inquiries.values() if i["seller"] == seller.username]
        if status:
            found = [i for i in found if i["inquiryStatusEnum"] == status]
        found = _created_between(request, found, "creationDate.value", "inquiry_creation_date_range")
        body = _page(request, found, "members")
    body["totalNumberOfInquiries"] = body["paginationOutput"]["totalEntries"]
    return body


@router.get(POST_ORDER + "/inquiry/{inquiry_id}", tags=["post-order"])
async def get_inquiry(inquiry_id: str, world: WorldDep, seller: PostOrderSeller) -> dict[str, Any]:
    with world.lock:
        return after_sale.public(after_sale.inquiry_of(world, seller.username, inquiry_id))


@router.post(POST_ORDER + "/inquiry/{inquiry_id}/provide_shipment_info", tags=["post-order"])
async def provide_shipment_info(
    inquiry_id: str, request: Request, world: WorldDep, seller: PostOrderSeller
) -> Response:
    body = await _json(request)
    carrier, tracking = body.get("shippingCarrierName"), body.get("trackingNumber")
    if not carrier or not tracking:
        raise PostOrderError(
            400, 1709, "shippingCarrierName and trackingNumber are required.", domain=after_sale.INQUIRY
        )
    after_sale.inquiry_shipment(world, seller.username, inquiry_id, str(carrier), str(tracking))
    return Response(status_code=200)


@router.post(POST_ORDER + "/inquiry/{inquiry_id}/issue_refund", tags=["post-order"])
async def issue_inquiry_refund(inquiry_id: str, world: WorldDep, seller: PostOrderSeller) -> dict[str, Any]:
    after_sale.inquiry_refund(world, seller.username, inquiry_id)
    return {"refundResult": {"refundStatus": "SUCCESS"}}


# --- Fulfillment: shipping_fulfillment -------------------------------------------------------------


@router.post(FULFILLMENT + "/order/{order_id}/shipping_fulfillment", tags=["fulfillment"], status_code=201)
async def create_fulfillment(
    order_id: str, request: Request, world: WorldDep, seller: CurrentSeller
) -> Response:
    made = disputes.ship(world, seller.username, order_id, await _json(request))
    location = f"{request.url}/{made['fulfillmentId']}"
    return Response(
        status_code=201, headers={"Location": location}, content=b"{}", media_type="application/json"
    )


@router.get(FULFILLMENT + "/order/{order_id}/shipping_fulfillment", tags=["fulfillment"])
async def list_fulfillments(order_id: str, world: WorldDep, seller: CurrentSeller) -> dict[str, Any]:
    found = disputes.fulfillments(world, seller.username, order_id)
    return {"fulfillments": found, "total": len(found), "warnings": []}


@router.get(FULFILLMENT + "/order/{order_id}/shipping_fulfillment/{fulfillment_id}", tags=["fulfillment"])
async def get_fulfillment(
    order_id: str, fulfillment_id: str, world: WorldDep, seller: CurrentSeller
) -> dict[str, Any]:
    for found in disputes.fulfillments(world, seller.username, order_id):
        if found["fulfillmentId"] == fulfillment_id:
            return found
    raise EbayError(404, error_item(32110, "The fulfillment does not exist.", domain=disputes.DOMAIN))


# --- Fulfillment: payment_dispute (apiz.ebay.com in production) ------------------------------------


@router.get(f"{FULFILLMENT}/payment_dispute_summary", tags=["fulfillment"])
async def dispute_summaries(request: Request, world: WorldDep, seller: CurrentSeller) -> dict[str, Any]:
    q = request.query_params
    limit, offset = int(q.get("limit", 200)), int(q.get("offset", 0))
    if not 1 <= limit <= 200:
        raise EbayError(
            400, error_item(33100, "limit is 1 to 200.", domain=disputes.DOMAIN, input_refs=["limit"])
        )
    with world.lock:
        after_sale.settle(world)
        found = [d for d in world.disputes.values() if d["_seller"] == seller.username]
        if q.get("order_id"):
            found = [d for d in found if d["orderId"] == q["order_id"]]
        if q.get("payment_dispute_status"):
            wanted = set(q["payment_dispute_status"].split(","))
            found = [d for d in found if d["paymentDisputeStatus"] in wanted]
        found = _created_between(request, found, "openDate", "open_date")
        keys = ("paymentDisputeId", "paymentDisputeStatus", "reason", "orderId", "amount", "buyerUsername",
                "openDate", "respondByDate", "closedDate")  # fmt: skip
        page = [{k: d[k] for k in keys if k in d} for d in found[offset : offset + limit]]
    body: dict[str, Any] = {"href": str(request.url), "limit": limit, "offset": offset, "total": len(found),
                            "paymentDisputeSummaries": page}  # fmt: skip
    if offset + limit < len(found):
        body["next"] = str(request.url.include_query_params(offset=offset + limit))
    return body


@router.get(FULFILLMENT + "/payment_dispute/{dispute_id}", tags=["fulfillment"])
async def get_dispute(dispute_id: str, world: WorldDep, seller: CurrentSeller) -> dict[str, Any]:
    with world.lock:
        return after_sale.public(disputes.dispute_of(world, seller.username, dispute_id))


@router.post(FULFILLMENT + "/payment_dispute/{dispute_id}/accept", tags=["fulfillment"], status_code=204)
async def accept_dispute(
    dispute_id: str, request: Request, world: WorldDep, seller: CurrentSeller
) -> Response:
    disputes.accept(world, seller.username, dispute_id, await _json(request))
    return Response(status_code=204)


@router.post(FULFILLMENT + "/payment_dispute/{dispute_id}/contest", tags=["fulfillment"], status_code=204)
async def contest_dispute(
    dispute_id: str, request: Request, world: WorldDep, seller: CurrentSeller
) -> Response:
    disputes.contest(world, seller.username, dispute_id, await _json(request))
    return Response(status_code=204)


@router.post(FULFILLMENT + "/payment_dispute/{dispute_id}/upload_evidence_file", tags=["fulfillment"])
async def upload_evidence_file(
    dispute_id: str, request: Request, world: WorldDep, seller: CurrentSeller
) -> dict[str, str]:
    name, content_type, data = _multipart_file(request.headers.get("content-type", ""), await request.body())
    return {"fileId": disputes.upload_file(world, seller.username, dispute_id, name, content_type, data)}


@router.post(FULFILLMENT + "/payment_dispute/{dispute_id}/add_evidence", tags=["fulfillment"])
async def add_evidence(
    dispute_id: str, request: Request, world: WorldDep, seller: CurrentSeller
) -> dict[str, str]:
    return {"evidenceId": disputes.add_evidence(world, seller.username, dispute_id, await _json(request))}


def _multipart_file(content_type: str, raw: bytes) -> tuple[str, str, bytes]:
    """The part named ``file`` of a multipart/form-data body (the only key eBay accepts)."""
    if not content_type.startswith("multipart/form-data"):
        raise EbayError(
            400, error_item(33010, "Send the file as multipart/form-data.", domain=disputes.DOMAIN)
        )
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "file":
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            return str(part.get_filename() or "file"), part.get_content_type(), data
    raise EbayError(400, error_item(33010, "The form has no part named file.", domain=disputes.DOMAIN))
