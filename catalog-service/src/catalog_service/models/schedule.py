"""The revision schedule: products whose live listings must be revised, claimed with ``SKIP LOCKED``.

In schema ``colocated``: a tenant's rows sit in the tenant's database (written in the transaction of the
product change), and the loop scans every database."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_kit.db.base import COLOCATED_SCHEMA, utcnow

from catalog_service.models.base import SharedBase


class RevisionDue(SharedBase):
    """One row per product with changes to send: edits within the window share it (one revise)."""

    __tablename__ = "revisions_due"
    __table_args__ = {"schema": COLOCATED_SCHEMA}

    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    first_change_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
