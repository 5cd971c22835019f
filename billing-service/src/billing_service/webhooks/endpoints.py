"""``/webhooks/stripe``: Stripe's events, checked against their signature, stored, answered at once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request

from billing_service.deps import Billing
from billing_service.webhooks.schemas import WebhookAck
from billing_service.webhooks.service import webhook_service

router = APIRouter(tags=["webhooks"])


@router.post("/webhooks/stripe")
async def stripe_webhook(
    request: Request,
    billing: Billing,
    stripe_signature: Annotated[str | None, Header(alias="Stripe-Signature")] = None,
) -> WebhookAck:
    """A Stripe event (no token: the signature over the raw body is checked); 400 on a bad signature."""
    return await webhook_service.receive(billing, await request.body(), stripe_signature)
