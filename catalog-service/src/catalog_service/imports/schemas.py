"""Listing imports as the API shows them."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel
from vitrine_kit.pagination import Page


class ImportOutcome(StrEnum):
    CREATED = "created"
    LINKED = "linked"
    SKIPPED = "skipped"
    FAILED = "failed"


class ImportedItemOut(BaseModel):
    external_listing_id: str
    outcome: ImportOutcome
    product_id: uuid.UUID | None
    photos: int
    photos_failed: int
    error: str | None
    at: datetime


class ListingImportOut(BaseModel):
    """An import's progress: ``finished`` once every listing it holds is done, failed or skipped."""

    id: uuid.UUID
    marketplace: str
    account_id: uuid.UUID | None
    total: int | None
    done: int
    failed: int
    skipped: int
    finished: bool
    created_at: datetime
    updated_at: datetime
    items: list[ImportedItemOut] = []


class ListingImportPage(Page[ListingImportOut]):
    """Imports, newest first (then by id), each without its items; ``next_cursor`` pages to older ones."""
