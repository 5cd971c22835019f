"""Vitrine's listings on Etsy, as this adapter knows them."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from fastapi import APIRouter
from pydantic import BaseModel

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
    updated_at: datetime


@router.get("/listings")
async def listings(scope: RequestScope) -> list[ListingOut]:
    """The listings this adapter made or imported, newest first (at most 500)."""
    rows = await scope.session.execute(
        sa.select(EtsyListing).order_by(EtsyListing.updated_at.desc()).limit(500)
    )
    return [ListingOut.model_validate(r, from_attributes=True) for r in rows.scalars()]
