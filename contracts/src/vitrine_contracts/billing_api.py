"""billing-service's internal credit API (service tokens only, never routed by the gateway).

ai-service reserves credits before it calls a provider, then commits them when the analysis succeeds or
releases them when it fails. Every call is keyed by the caller's idempotency key, so a retried call has
one effect. Paths, relative to billing-service:

- ``POST /internal/credits/reservations`` (:class:`ReservationRequest`) → 201 :class:`Reservation`
  (200 with the same reservation when the key was seen before); 402 problem ``credits-exhausted`` when the
  tenant has fewer credits left than asked.
- ``POST /internal/credits/reservations/{key}/commit`` → 200 :class:`Reservation` (idempotent; 409 if it was
  released or expired).
- ``POST /internal/credits/reservations/{key}/release`` → 200 :class:`Reservation` (idempotent; 409 if it was
  committed).

A reservation neither committed nor released within ``expires_at`` is released by billing-service.

The marketplace adapters hold the plan's marketplace slots (scope ``billing:marketplaces``):

- ``POST /internal/marketplace-slots`` (:class:`SlotRequest`) → 200 :class:`MarketplaceSlots` when the
  account may be connected (idempotent: the same account again changes nothing; another account of a
  marketplace already connected takes no new slot); 402 problem ``marketplace-limit-reached`` naming the
  plan and its limit when the tenant's plan has no slot left for a new marketplace.
- ``DELETE /internal/marketplace-slots/{tenant_id}/{marketplace}/{account}`` → 200 :class:`MarketplaceSlots`
  (idempotent): the account was disconnected; the marketplace's slot is free once no account holds it.
- ``GET /internal/marketplace-slots/{tenant_id}`` → 200 :class:`MarketplaceSlots`.

A downgrade frees no slot and disconnects nothing: it only refuses new marketplaces beyond the new limit.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

RESERVATIONS_PATH = "/internal/credits/reservations"
CREDITS_SCOPE = "billing:credits"
MARKETPLACE_SLOTS_PATH = "/internal/marketplace-slots"
MARKETPLACES_SCOPE = "billing:marketplaces"


class ReservationStatus(StrEnum):
    HELD = "held"
    COMMITTED = "committed"
    RELEASED = "released"


class ReservationRequest(BaseModel):
    """Hold ``amount`` credits of ``tenant_id`` under the caller's ``key``."""

    tenant_id: uuid.UUID
    amount: int = Field(gt=0, le=1000, description="Credits to hold")
    key: str = Field(min_length=8, max_length=200, description="The caller's idempotency key")
    reason: str = Field(max_length=200, description="What the credits pay for, shown in the history")


class Reservation(BaseModel):
    """A hold on a tenant's credits, and what the tenant has left after it."""

    key: str
    tenant_id: uuid.UUID
    amount: int
    status: ReservationStatus
    expires_at: datetime
    monthly_left: int = Field(description="Credits of the current period left after this hold")
    purchased_left: int = Field(description="Purchased credits left after this hold")


class SlotRequest(BaseModel):
    """``account`` of ``marketplace`` is about to be connected for ``tenant_id``."""

    tenant_id: uuid.UUID
    marketplace: str = Field(pattern=r"^[a-z][a-z0-9-]{1,29}$", description="ebay, etsy, vinted")
    account: str = Field(min_length=1, max_length=200, description="The account's id on the marketplace")


class MarketplaceSlots(BaseModel):
    """The marketplaces a tenant has connected, against its plan's limit."""

    tenant_id: uuid.UUID
    plan: str
    limit: int | None = Field(description="Marketplaces the plan allows; None: unlimited")
    marketplaces: list[str] = Field(description="The marketplaces holding a slot, sorted")
