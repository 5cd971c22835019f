"""Listings as the API shows them, and a link request."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field
from vitrine_kit.pagination import Page

from marketplace_vinted.models import ListingOrigin, ListingStatus


class ListingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    publication_id: uuid.UUID | None = Field(description="Catalog's publication; none yet for a linked item")
    product_id: uuid.UUID
    origin: ListingOrigin
    vinted_item_id: int | None
    status: ListingStatus
    title: str | None
    price: Decimal | None
    currency: str | None
    url: str | None
    listed_at: datetime | None
    closed_at: datetime | None


class ListingPage(Page[ListingOut]):
    """Listings, newest first (then by id); ``next_cursor`` pages to older ones."""


class LinkIn(BaseModel):
    """Link an item already on Vinted to a catalog product (catalog records the publication)."""

    product_id: uuid.UUID
