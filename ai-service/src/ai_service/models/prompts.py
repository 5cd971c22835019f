"""``shared.prompt_versions``: every prompt version used, with its texts, so a cached answer can be traced."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_kit.db.base import utcnow

from ai_service.models.base import SharedBase


class PromptVersion(SharedBase):
    __tablename__ = "prompt_versions"

    version: Mapped[str] = mapped_column(String(80), primary_key=True)
    reference_fingerprint: Mapped[str] = mapped_column(String(40))
    texts: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
