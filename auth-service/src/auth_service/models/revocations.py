"""Revoked tokens as the kit's verifiers read them: hashed keys, each refusing tokens issued before it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Identity, String
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_kit.db.base import utcnow

from auth_service.models.base import SharedBase


class TokenRevocation(SharedBase):
    __tablename__ = "token_revocations"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # vitrine_kit.auth.revocation.revocation_key(kind, subject, tenant): says nothing about whom it names.
    key: Mapped[str] = mapped_column(String(64))
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # After this no token it could refuse is still valid: verifiers drop it, and so does this table.
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
