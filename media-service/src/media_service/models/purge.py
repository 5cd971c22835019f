"""Files removed for a deleted tenant (the kit drops its schema; media-service also empties its storage)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Integer
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_kit.db.base import utcnow

from media_service.models.base import SharedBase


class StoragePurge(SharedBase):
    __tablename__ = "storage_purges"

    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    objects_deleted: Mapped[int] = mapped_column(Integer, default=0)
    purged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
