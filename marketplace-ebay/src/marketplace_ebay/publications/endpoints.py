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
    return ListingPage(
        items=[ListingOut.model_validate(r, from_attributes=True) for r in items], next_cursor=next_cursor
    )
