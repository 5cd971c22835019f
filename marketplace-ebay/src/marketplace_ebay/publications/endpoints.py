"""Vitrine's listings on eBay, as this adapter knows them."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from fastapi import APIRouter
from pydantic import BaseModel, TypeAdapter
from vitrine_kit.auth.deps import TenantPrincipal
from vitrine_kit.db.deps import TenantSession
from vitrine_kit.pagination import Cursor, Keyset, Limit, Page

from marketplace_ebay.models import EbayListing

router = APIRouter(tags=["listings"])


class ListingPoliciesOut(BaseModel):
    """The business policies the listing went out with (None: not listed yet)."""

    fulfillment_policy_id: str | None
    payment_policy_id: str | None
    return_policy_id: str | None


class ListingOut(BaseModel):
    id: uuid.UUID
    account_id: uuid.UUID
    publication_id: uuid.UUID | None
    product_id: uuid.UUID | None
    sku: str
    listing_id: str | None
    status: str
    price: Decimal | None
    currency: str | None
    quantity: int | None
    policies: ListingPoliciesOut
    last_error: str | None
    created_at: datetime
    updated_at: datetime


class ListingPage(Page[ListingOut]):
    """Listings, newest first (then by id); ``next_cursor`` pages to older ones."""


# Newest first by creation (an update never moves a listing between pages); ix_ebay_listings_created_at.
NEWEST = Keyset((EbayListing.created_at, EbayListing.id), TypeAdapter(tuple[datetime, uuid.UUID]))


@router.get("/listings")
async def listings(
    _: TenantPrincipal, session: TenantSession, limit: Limit = 25, cursor: Cursor = None
) -> ListingPage:
    """Every listing, newest first."""
    rows = await session.scalars(NEWEST.select(sa.select(EbayListing), limit=limit, cursor=cursor))
    items, next_cursor = NEWEST.page(rows.all(), limit)
    return ListingPage(items=[_out(r) for r in items], next_cursor=next_cursor)


def _out(row: EbayListing) -> ListingOut:
    fields = {name: getattr(row, name) for name in ListingOut.model_fields if name != "policies"}
    policies = ListingPoliciesOut.model_validate(row, from_attributes=True)
    return ListingOut(**fields, policies=policies)
