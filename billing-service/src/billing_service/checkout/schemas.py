"""Checkout and portal requests and answers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SubscriptionCheckout(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan: str = Field(min_length=1, max_length=40, description="A paid plan's code (see GET /plans)")


class CreditsCheckout(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pack: str = Field(min_length=1, max_length=40, description="A credit pack's code (see GET /credit-packs)")


class CheckoutOut(BaseModel):
    url: str = Field(description="Stripe's hosted Checkout page: send the seller there")
    session_id: str


class PortalOut(BaseModel):
    url: str = Field(description="Stripe's billing portal: card, plan change, cancellation, invoices")
