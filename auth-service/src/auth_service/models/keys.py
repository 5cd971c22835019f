"""RSA signing keys: one ``active``, older ones ``retiring`` until their tokens expire, then ``retired``."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, LargeBinary, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_kit.db.base import enum_column, utcnow

from auth_service.models.base import SharedBase


class KeyStatus(StrEnum):
    ACTIVE = "active"  # signs new tokens; one at a time
    RETIRING = "retiring"  # no longer signs, still in the JWKS while its tokens may be valid
    RETIRED = "retired"


class SigningKey(SharedBase):
    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[KeyStatus] = mapped_column(enum_column(KeyStatus, 16))
    private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    retiring_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # After this instant no token it signed is still valid: it leaves the JWKS.
    retire_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
