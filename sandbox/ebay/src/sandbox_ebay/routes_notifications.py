"""Control of the Notification API pushes (``/sandbox/notifications…``): the destination, what was sent."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from sandbox_ebay.notifications import Notifier

router = APIRouter(prefix="/sandbox/notifications", tags=["control"])


def notifier_of(request: Request) -> Notifier:
    notifier: Notifier = request.app.state.notifier
    return notifier


NotifierDep = Annotated[Notifier, Depends(notifier_of)]


class DestinationIn(BaseModel):
    url: str | None = Field(description="where ORDER_CONFIRMATION notifications go; null stops the pushes")
    lose: bool = Field(
        default=False,
        description="record every notification but deliver none (notifications lost on the way)",
    )


@router.put("/destination")
async def set_destination(body: DestinationIn, notifier: NotifierDep) -> dict[str, str | bool | None]:
    """The app's destination endpoint (eBay's createDestination + subscription to ORDER_CONFIRMATION)."""
    notifier.destination, notifier.lose = body.url, body.lose
    return {"url": notifier.destination, "lose": notifier.lose}


@router.get("")
async def sent(
    notifier: NotifierDep, topic: str | None = None, order_id: str | None = None
) -> list[dict[str, Any]]:
    """Every pushed notification: body and headers as signed, and each delivery's status."""
    return notifier.view(topic, order_id)
