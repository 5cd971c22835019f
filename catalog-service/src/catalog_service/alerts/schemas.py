"""Alerts as the API shows them."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from vitrine_kit.pagination import Page


class AlertKind(StrEnum):
    """What the seller is told about; one feed for every marketplace."""

    OVERSELL = "oversell"
    DELIST_FAILED = "delist_failed"
    REVISE_FAILED = "revise_failed"
    SESSION_EXPIRED = "session_expired"
    LISTING_ENDED_OUTSIDE = "listing_ended_outside"
    ORDER_CANCELLED = "order_cancelled"
    PHOTO_DELETED = "photo_deleted"
    IMPORT_FAILED = "import_failed"


class AlertOut(BaseModel):
    id: uuid.UUID
    kind: str
    product_id: uuid.UUID | None
    details: dict[str, Any]
    created_at: datetime
    acknowledged_at: datetime | None


class AlertPage(Page[AlertOut]):
    """Alerts, newest first (then by id); ``next_cursor`` pages to older ones."""
