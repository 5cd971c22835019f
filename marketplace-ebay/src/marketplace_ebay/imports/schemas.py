"""Bodies of the import endpoints."""

from __future__ import annotations

import uuid
from decimal import Decimal

from pydantic import BaseModel, Field


class RemoteListingOut(BaseModel):
    external_listing_id: str
    sku: str | None
    title: str
    price: Decimal | None
    currency: str | None
    quantity: int
    url: str | None
    linked: bool


class ImportChoice(BaseModel):
    external_listing_id: str
    product_id: uuid.UUID | None = Field(
        default=None, description="link to this product; empty: import as new"
    )


class ImportIn(BaseModel):
    listings: list[ImportChoice] = Field(min_length=1, max_length=500)


class ImportOut(BaseModel):
    imported: int
    not_found: list[str]
    import_id: uuid.UUID | None = Field(
        default=None, description="Follow it in catalog: GET /api/catalog/imports/{import_id}"
    )
