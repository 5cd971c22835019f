"""The control API's after-sale half (``/sandbox/...``): buyers open cases, carriers deliver, eBay decides,
and the after-sale clock moves forward."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from sandbox_ebay import after_sale, disputes
from sandbox_ebay.deps import WorldDep

router = APIRouter(prefix="/sandbox", tags=["control"])


class ClockIn(BaseModel):
    advance_s: float = Field(ge=0, le=400 * 86_400)


class CancellationRequestIn(BaseModel):
    reason: str = "BUYER_ASKED_CANCEL"


class ReturnRequestIn(BaseModel):
    line_item_id: str | None = None
    quantity: int | None = Field(default=None, ge=1, description="None: the whole line")
    reason: str = "NO_LONGER_NEED_ITEM"
    comments: str = ""


class InquiryIn(BaseModel):
    line_item_id: str | None = None
    desired_outcome: Literal["STILL_WANT_ITEM", "FULL_REFUND"] = "FULL_REFUND"


class DisputeIn(BaseModel):
    reason: str = "ITEM_NOT_RECEIVED"


class ReturnShipIn(BaseModel):
    tracking_number: str = "RT000000001FR"


class ResolveIn(BaseModel):
    seller_wins: bool


@router.post("/clock")
async def clock(body: ClockIn, world: WorldDep) -> dict[str, float]:
    """Move the after-sale clock forward (deadlines and windows; tokens keep real time)."""
    with world.lock:
        world.clock_offset += body.advance_s
        return {"offset_s": world.clock_offset}


@router.delete("/clock")
async def reset_clock(world: WorldDep) -> dict[str, float]:
    """Back to real time (cases keep their dates)."""
    with world.lock:
        world.clock_offset = 0.0
        return {"offset_s": 0.0}


@router.post("/orders/{order_id}/cancellation-request", status_code=201)
async def cancellation_request(order_id: str, body: CancellationRequestIn, world: WorldDep) -> dict[str, Any]:
    """The buyer asks to cancel (refused after shipping or after the one-hour cutoff)."""
    return after_sale.request_cancellation(world, order_id, body.reason)


@router.post("/orders/{order_id}/deliver")
async def deliver(order_id: str, world: WorldDep) -> dict[str, Any]:
    """The carrier delivers the order's shipments: the return window starts."""
    return disputes.deliver(world, order_id)


@router.post("/orders/{order_id}/return-request", status_code=201)
async def return_request(order_id: str, body: ReturnRequestIn, world: WorldDep) -> dict[str, Any]:
    """The buyer opens a return (refused before delivery and outside the return window)."""
    return after_sale.open_return(
        world, order_id, body.line_item_id, body.reason, body.comments, body.quantity
    )


@router.post("/returns/{return_id}/ship")
async def return_ship(return_id: str, body: ReturnShipIn, world: WorldDep) -> dict[str, Any]:
    """The buyer sends the item back."""
    return after_sale.buyer_ships_return(world, return_id, body.tracking_number)


@router.post("/returns/{return_id}/deliver")
async def return_deliver(return_id: str, world: WorldDep) -> dict[str, Any]:
    """The returned item reaches the seller (tracking says delivered)."""
    return after_sale.return_delivered(world, return_id)


@router.post("/orders/{order_id}/inquiry", status_code=201)
async def inquiry(order_id: str, body: InquiryIn, world: WorldDep) -> dict[str, Any]:
    """The buyer reports the item not received (only once it is late)."""
    return after_sale.open_inquiry(world, order_id, body.line_item_id, body.desired_outcome)


@router.post("/orders/{order_id}/payment-dispute", status_code=201)
async def payment_dispute(order_id: str, body: DisputeIn, world: WorldDep) -> dict[str, Any]:
    """The buyer disputes the payment."""
    return disputes.open_dispute(world, order_id, body.reason)


@router.post("/payment-disputes/{dispute_id}/resolve")
async def resolve(dispute_id: str, body: ResolveIn, world: WorldDep) -> dict[str, Any]:
    """eBay decides a contested dispute."""
    return disputes.resolve(world, dispute_id, body.seller_wins)


@router.get("/after-sale")
async def cases(world: WorldDep) -> dict[str, list[dict[str, Any]]]:
    """Every case, as eBay holds it now (deadlines applied)."""
    with world.lock:
        after_sale.settle(world)
        return {
            "cancellations": [after_sale.public(c) for c in world.cancellations.values()],
            "returns": [after_sale.public(c) for c in world.returns.values()],
            "inquiries": [after_sale.public(c) for c in world.inquiries.values()],
            "payment_disputes": [after_sale.public(c) for c in world.disputes.values()],
        }
