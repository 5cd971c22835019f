"""Per tenant: the Vinted account as the plugin reports it (and its pacing), the plugin devices, the alerts."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, Boolean, DateTime, Float, Integer, String
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_contracts.relay.v1 import VintedSession
from vitrine_kit.db.base import utcnow

from marketplace_vinted.models.base import TenantBase, enum_column
from marketplace_vinted.models.enums import AlertKind


class VintedAccount(TenantBase):
    """The seller's Vinted account as the plugin reports it, and its pacing."""

    __tablename__ = "vinted_account"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    vinted_user_id: Mapped[int | None] = mapped_column(BigInteger)
    login: Mapped[str | None] = mapped_column(String(200))
    domain: Mapped[str | None] = mapped_column(String(100))
    logged_in: Mapped[bool] = mapped_column(Boolean, default=False)
    session_checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    session_expired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    writes_per_hour: Mapped[int] = mapped_column(Integer)
    min_gap_s: Mapped[float] = mapped_column(Float)
    max_gap_s: Mapped[float] = mapped_column(Float)
    pause_every: Mapped[int] = mapped_column(Integer)
    pause_s: Mapped[float] = mapped_column(Float)
    writes_since_pause: Mapped[int] = mapped_column(Integer, default=0)
    next_write_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def pace(
        self, *, writes_per_hour: int, min_gap_s: float, max_gap_s: float, pause_every: int, pause_s: float
    ) -> None:
        """New pacing; a maximum gap below the minimum is raised to it."""
        self.writes_per_hour, self.pause_every, self.pause_s = writes_per_hour, pause_every, pause_s
        self.min_gap_s, self.max_gap_s = min_gap_s, max(max_gap_s, min_gap_s)

    def wrote(self, now: datetime, gap_s: float) -> None:
        """A write went out: the next one waits ``gap_s``, plus the pause every ``pause_every`` writes."""
        self.writes_since_pause += 1
        if self.pause_every and self.writes_since_pause >= self.pause_every:
            gap_s += self.pause_s
            self.writes_since_pause = 0
        self.next_write_at = max(self.next_write_at, now) + timedelta(seconds=gap_s)

    def block_for(self, now: datetime, seconds: float) -> None:
        """Vinted's anti-bot answered: no write until then."""
        self.blocked_until = now + timedelta(seconds=seconds)

    def session_seen(self, report: VintedSession, now: datetime) -> None:
        """The plugin sees the seller logged in: who, where."""
        self.logged_in, self.session_checked_at = True, report.checked_at or now
        self.vinted_user_id, self.login, self.domain = report.user_id, report.login, report.domain
        self.session_expired_at = None

    def session_lost(self, report: VintedSession, now: datetime) -> bool:
        """The plugin sees no session; True the first time (an expiry to tell the seller about)."""
        self.logged_in, self.session_checked_at = False, report.checked_at or now
        if self.session_expired_at is not None:
            return False
        self.session_expired_at = now
        return True


class PluginDevice(TenantBase):
    """A paired browser plugin and the relay replica holding its socket."""

    __tablename__ = "plugin_devices"
    device_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    relay_instance: Mapped[str] = mapped_column(String(200))
    connection_id: Mapped[str] = mapped_column(String(64))
    online: Mapped[bool] = mapped_column(Boolean)
    max_in_flight: Mapped[int] = mapped_column(Integer, default=2)
    capabilities: Mapped[list[str]] = mapped_column(JSONB, default=list)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def connected(
        self,
        relay_instance: str,
        connection_id: str,
        max_in_flight: int,
        capabilities: list[str],
        now: datetime,
    ) -> None:
        self.relay_instance, self.connection_id, self.online = relay_instance, connection_id, True
        self.max_in_flight, self.capabilities, self.seen_at = max_in_flight, capabilities, now


class Alert(TenantBase):
    """Something the seller must see (session expired with live listings, a delist waiting for the plugin)."""

    __tablename__ = "alerts"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    kind: Mapped[AlertKind] = mapped_column(enum_column(AlertKind, 64))
    message: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
