"""Vitrine's listings on Etsy, as this adapter knows them."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from fastapi import APIRouter
from pydantic import BaseModel, TypeAdapter
from vitrine_kit.pagination import Cursor, Keyset, Limit, Page

from marketplace_etsy.models import EtsyListing, ListingState
from marketplace_etsy.scope import RequestScope

router = APIRouter(tags=["listings"])


class ListingOut(BaseModel):
    id: uuid.UUID
    account_id: uuid.UUID
    publication_id: uuid.UUID | None
    product_id: uuid.UUID | None
    listing_id: int | None
    state: ListingState
    url: str | None
    price: Decimal | None
    currency: str | None
    quantity: int | None
    attempts: int
    last_error: str | None
    created_at: datetime
    updated_at: datetime


class ListingPage(Page[ListingOut]):
    """Listings, newest first (then by id); ``next_cursor`` pages to older ones."""


# Newest first by creation (an update never moves a listing between pages); ix_etsy_listings_created_at.
NEWEST = Keyset((EtsyListing.created_at, EtsyListing.id), TypeAdapter(tuple[datetime, uuid.UUID]))


@router.get("/listings")
async def listings(scope: RequestScope, limit: Limit = 25, cursor: Cursor = None) -> ListingPage:
    """The listings this adapter made or imported, newest first."""
    rows = await scope.session.scalars(NEWEST.select(sa.select(EtsyListing), limit=limit, cursor=cursor))
    items, next_cursor = NEWEST.page(rows.all(), limit)
    return ListingPage(
        items=[ListingOut.model_validate(r, from_attributes=True) for r in items], next_cursor=next_cursor
    )
