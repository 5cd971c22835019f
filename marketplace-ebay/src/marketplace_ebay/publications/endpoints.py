"""Vitrine's listings on eBay, as this adapter knows them."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from fastapi import APIRouter
from pydantic import BaseModel
from vitrine_kit.auth.deps import TenantPrincipal
from vitrine_kit.db.deps import TenantSession

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
    updated_at: datetime


@router.get("/listings")
async def listings(_: TenantPrincipal, session: TenantSession) -> list[ListingOut]:
    """Every listing, newest first."""
    rows = await session.execute(sa.select(EbayListing).order_by(EbayListing.updated_at.desc()).limit(500))
    return [ListingOut.model_validate(r, from_attributes=True) for r in rows.scalars()]
