"""Login failure counters per account and per IP, shared by every replica."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from auth_service.models.base import SharedBase


class LoginThrottle(SharedBase):
    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)  # "account:<email>" | "ip:<address>"
    window_failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Failures in the lock's leaky bucket (drained since ``drained_at``), not a lifetime count.
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    drained_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
