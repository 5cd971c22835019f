"""After-sale endpoints: what waits on the seller, and the seller's answers (sent to eBay)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query
from vitrine_kit.pagination import Cursor, Limit
from vitrine_kit.roles import Capability, needs

from marketplace_ebay.after_sale.schemas import (
    CaseOut,
    CasePage,
    CommentIn,
    ContestIn,
    RejectCancellationIn,
    ReturnRefundIn,
    ShipmentIn,
    ShipmentOut,
    TrackingIn,
)
from marketplace_ebay.after_sale.service import after_sale_service
from marketplace_ebay.scope import RequestScope

router = APIRouter(tags=["after-sale"])
ACT = needs(Capability.LISTINGS_PUBLISH)
CaseID = Annotated[uuid.UUID, Path(description="The case's id in Vitrine (from GET /after-sale/actions)")]
OrderID = Annotated[str, Path(max_length=64, description="eBay's order id")]


@router.get("/after-sale/actions", dependencies=needs(Capability.MARKETPLACES_READ))
async def actions(
    scope: RequestScope,
    include_closed: Annotated[bool, Query(description="Also cases that do not wait on the seller")] = False,
    account_id: Annotated[uuid.UUID | None, Query()] = None,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> CasePage:
    """Cases waiting on the seller, the nearest deadline first, each with the actions open on it."""
    return await after_sale_service.cases(
        scope, include_closed=include_closed, account_id=account_id, limit=limit, cursor=cursor
    )


@router.post("/orders/{order_id}/shipping", dependencies=ACT, status_code=201)
async def ship(order_id: OrderID, body: ShipmentIn, scope: RequestScope) -> ShipmentOut:
    """Tracking for an order (every line, or those named): eBay shows it shipped."""
    return await after_sale_service.ship(scope, order_id, body)


@router.post("/after-sale/cancellations/{case_id}/approve", dependencies=ACT)
async def approve_cancellation(case_id: CaseID, scope: RequestScope) -> CaseOut:
    """Cancel the order as the buyer asked: refunded, stock given back."""
    return await after_sale_service.approve_cancellation(scope, case_id)


@router.post("/after-sale/cancellations/{case_id}/reject", dependencies=ACT)
async def reject_cancellation(case_id: CaseID, body: RejectCancellationIn, scope: RequestScope) -> CaseOut:
    """Keep the order (it has shipped: give the date and tracking)."""
    return await after_sale_service.reject_cancellation(scope, case_id, body)


@router.post("/after-sale/returns/{case_id}/accept", dependencies=ACT)
async def accept_return(case_id: CaseID, body: CommentIn, scope: RequestScope) -> CaseOut:
    """Accept the return: the buyer sends the item back."""
    return await after_sale_service.decide_return(scope, case_id, True, body)


@router.post("/after-sale/returns/{case_id}/decline", dependencies=ACT)
async def decline_return(case_id: CaseID, body: CommentIn, scope: RequestScope) -> CaseOut:
    """Decline the return (eBay allows it only for a change of mind)."""
    return await after_sale_service.decide_return(scope, case_id, False, body)


@router.post("/after-sale/returns/{case_id}/refund", dependencies=ACT)
async def refund_return(case_id: CaseID, body: ReturnRefundIn, scope: RequestScope) -> CaseOut:
    """Refund the buyer (the whole return, or ``amount``)."""
    return await after_sale_service.refund_return(scope, case_id, body)


@router.post("/after-sale/returns/{case_id}/mark-received", dependencies=ACT)
async def mark_return_received(case_id: CaseID, scope: RequestScope) -> CaseOut:
    """The item is back: stock is given back, the refund is due within 2 days."""
    return await after_sale_service.mark_return_received(scope, case_id)


@router.post("/after-sale/inquiries/{case_id}/tracking", dependencies=ACT)
async def inquiry_tracking(case_id: CaseID, body: TrackingIn, scope: RequestScope) -> CaseOut:
    """Answer "item not received" with the shipment's tracking."""
    return await after_sale_service.inquiry_tracking(scope, case_id, body)


@router.post("/after-sale/inquiries/{case_id}/refund", dependencies=ACT)
async def inquiry_refund(case_id: CaseID, body: CommentIn, scope: RequestScope) -> CaseOut:
    """Answer "item not received" with a full refund."""
    return await after_sale_service.inquiry_refund(scope, case_id, body)


@router.post("/after-sale/disputes/{case_id}/accept", dependencies=ACT)
async def accept_dispute(case_id: CaseID, scope: RequestScope) -> CaseOut:
    """Accept the payment dispute: the buyer is refunded."""
    return await after_sale_service.accept_dispute(scope, case_id)


@router.post("/after-sale/disputes/{case_id}/contest", dependencies=ACT)
async def contest_dispute(case_id: CaseID, body: ContestIn, scope: RequestScope) -> CaseOut:
    """Contest the payment dispute with evidence (files, a note; tracking on the order proves delivery)."""
    return await after_sale_service.contest_dispute(scope, case_id, body)
