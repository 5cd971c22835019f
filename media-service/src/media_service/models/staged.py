"""Direct uploads handed out: the object a client may PUT, until it is completed or swept after expiry.

``colocated``: a tenant's rows sit in its database, so completing an upload removes the row in the same
transaction as the image it made; the sweep goes over every database."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_kit.db.base import COLOCATED_SCHEMA

from media_service.models.base import SharedBase


class StagedUpload(SharedBase):
    __tablename__ = "staged_uploads"
    __table_args__ = {"schema": COLOCATED_SCHEMA}

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
