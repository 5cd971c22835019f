"""Tenant table: the account's members as auth-service announces them, for the owner's language."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_kit.db.base import utcnow

from ai_service.models.base import TenantBase


class Member(TenantBase):
    """A member of the seller account: whether they own it, and the language they last chose.

    The drafts' default language is the language an owner chose last (``user.language_changed``).
    """

    __tablename__ = "members"

    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    owner: Mapped[bool | None] = mapped_column(Boolean)  # None: not announced yet (events come in any order)
    language: Mapped[str | None] = mapped_column(String(5))
    language_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
