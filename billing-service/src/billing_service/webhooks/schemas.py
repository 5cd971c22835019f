"""The webhook endpoint's answer."""

from __future__ import annotations

from pydantic import BaseModel, Field


class WebhookAck(BaseModel):
    received: bool = True
    duplicate: bool = Field(description="This event id was stored before (Stripe resent it)")
