"""Tenant table: the content hash of each photo media-service has resolved for this tenant."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_kit.db.base import utcnow

from ai_service.models.base import TenantBase


class KnownPhoto(TenantBase):
    """A photo's content hash as media-service gave it.

    media-service never changes an image's bytes (new bytes are a new image), so the hash of an id holds
    until the image is deleted (``media.image.deleted`` forgets it). A request whose photos are all known
    is looked up in the cache without asking media-service again.
    """

    __tablename__ = "known_photos"

    image_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    content_hash: Mapped[str] = mapped_column(Text)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
