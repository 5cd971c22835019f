"""An image of a tenant: its clean original and derivatives, found again by the hash of the uploaded bytes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, String
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_kit.db.base import new_id, utcnow

from media_service.models.base import TenantBase


class Image(TenantBase):
    __tablename__ = "images"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    # SHA-256 of the bytes as uploaded: the same file uploaded again is the same image (unique per tenant).
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    source_format: Mapped[str] = mapped_column(String(8))
    source_bytes: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    original_format: Mapped[str] = mapped_column(String(8))
    original_bytes: Mapped[int] = mapped_column(BigInteger)
    # [{name, format, width, height, bytes}] for thumb/medium/large x jpeg/webp.
    derivatives: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
