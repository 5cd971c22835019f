"""Tenant tables of AI suggestions: the last analysis taken per product, its pending suggestions per field,
and where each product field's value came from (the AI or the seller)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Float, ForeignKey, String
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_kit.db.base import utcnow

from catalog_service.models.base import TenantBase


class ProductAnalysis(TenantBase):
    """The analysis a product's pending suggestions come from, with what catalog shows beside them."""

    __tablename__ = "product_analyses"

    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    analysis_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    # When ai-service finished it: an older analysis delivered late replaces nothing.
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    language: Mapped[str] = mapped_column(String(8))
    flaws: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    drafts: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    price: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Suggestion(TenantBase):
    """One pending value for one field of a product, until the seller accepts or dismisses it."""

    __tablename__ = "suggestions"

    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    field: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONB)
    # None for what the analysis wrote rather than saw (titles, descriptions, flaws, the price).
    confidence: Mapped[float | None] = mapped_column(Float)
    analysis_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))


class FieldSource(TenantBase):
    """Who set a product field last: ``ai`` (an accepted suggestion) or ``seller`` (an edit)."""

    __tablename__ = "field_sources"

    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    field: Mapped[str] = mapped_column(String(60), primary_key=True)
    source: Mapped[str] = mapped_column(String(10))
    analysis_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    confidence: Mapped[float | None] = mapped_column(Float)
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
