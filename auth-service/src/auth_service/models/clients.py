"""Service clients of the client-credentials grant."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, LargeBinary, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_kit.db.base import utcnow

from auth_service.models.base import SharedBase


class ServiceClient(SharedBase):
    __tablename__ = "service_clients"

    client_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    # SHA-256 of a 256-bit random secret: a slow hash adds nothing to a secret of that entropy.
    secret_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(100)))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
