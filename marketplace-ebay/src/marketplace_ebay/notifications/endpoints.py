"""eBay's notification endpoints (public; verified by signature): account deletion, order confirmation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from marketplace_ebay.deps import Ebay
from marketplace_ebay.notifications.orders import Outcome, order_notifications
from marketplace_ebay.notifications.service import notification_service

router = APIRouter(prefix="/webhooks", tags=["notifications"])


class ChallengeOut(BaseModel):
    """The reply eBay expects to its endpoint validation, under eBay's own member name."""

    model_config = ConfigDict(populate_by_name=True)

    challenge_response: str = Field(
        alias="challengeResponse",
        description="SHA-256 of challenge code, verification token and endpoint, hex",
    )


@router.get("/account-deletion")
async def challenge(ebay: Ebay, challenge_code: Annotated[str, Query(min_length=1)]) -> ChallengeOut:
    """eBay's endpoint validation: the challenge response."""
    return ChallengeOut(challenge_response=notification_service.challenge_response(ebay, challenge_code))


@router.post("/account-deletion", status_code=204)
async def account_deletion(
    request: Request, ebay: Ebay, x_ebay_signature: Annotated[str | None, Header()] = None
) -> Response:
    """A signed deletion notice: the eBay user's accounts and tokens are removed (412 when the signature fails)."""
    message = await notification_service.verify(ebay, await request.body(), x_ebay_signature)
    await notification_service.account_deleted(ebay, message)
    return Response(status_code=204)


class OrderNoticeOut(BaseModel):
    outcome: Outcome


@router.post("/orders")
async def order_confirmation(
    request: Request, ebay: Ebay, x_ebay_signature: Annotated[str | None, Header()] = None
) -> OrderNoticeOut:
    """A signed ORDER_CONFIRMATION: the order is read from eBay and its new lines reported (412 when the
    signature fails; 503 when eBay cannot be read, so eBay delivers it again)."""
    message = await notification_service.verify(ebay, await request.body(), x_ebay_signature)
    return OrderNoticeOut(outcome=await order_notifications.order_confirmed(ebay, message))
