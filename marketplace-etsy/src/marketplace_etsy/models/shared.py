"""Service-wide tables: connections in progress, the shop directory, receipt polls, attempts, the budget."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_kit.db.base import COLOCATED_SCHEMA, utcnow

from marketplace_etsy.models.base import SharedBase
from marketplace_etsy.models.enums import CommandAction, enum_column


class OAuthState(SharedBase):
    """A connection in progress: the SHA-256 of the ``state`` sent to Etsy, the PKCE verifier (encrypted),
    bound to the tenant, the user and the browser (SHA-256 of its connect cookie). Used once."""

    __tablename__ = "oauth_states"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    browser_hash: Mapped[str] = mapped_column(String(64))
    verifier_enc: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def use(self, at: datetime) -> None:
        self.used_at = at


class ShopDirectory(SharedBase):
    """Which tenant claimed which Etsy shop: a shop is connected to one tenant only (and polled once), across
    every database. Claimed in its own transaction before the tenant's; a claim whose tenant holds no
    account of the shop (its connection failed, or it disconnected) is stale and given to the next tenant
    that connects the shop."""

    __tablename__ = "shop_directory"

    shop_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True)
    etsy_user_id: Mapped[int] = mapped_column(BigInteger)
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReceiptPoll(SharedBase):
    """The receipt-polling schedule of one shop, claimed with ``FOR UPDATE SKIP LOCKED`` (``colocated``: in
    the tenant's database, written with its account; the poller goes over every database)."""

    __tablename__ = "receipt_polls"
    __table_args__ = {"schema": COLOCATED_SCHEMA}

    shop_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    next_poll_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    # Etsy's ``min_last_modified`` of the next poll (minus the overlap): the newest update seen so far.
    cursor: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_polled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(Integer, default=0)


class CommandAttempt(SharedBase):
    """One attempt at a publication command (publication id + attempt number), and how many times its
    message was delivered: counted outside the handler's transaction, so the last delivery can tell the
    seller instead of dead-lettering in silence."""

    __tablename__ = "command_attempts"
    __table_args__ = (UniqueConstraint("publication_id", "action", "attempt"),)

    message_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    publication_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    action: Mapped[CommandAction] = mapped_column(enum_column(CommandAction))
    attempt: Mapped[int] = mapped_column(Integer)
    deliveries: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class RateBudget(SharedBase):
    """Etsy's per-app limits as one token bucket every replica draws from (one row per budget)."""

    __tablename__ = "rate_budgets"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    rate_per_s: Mapped[float] = mapped_column(Float)
    burst: Mapped[float] = mapped_column(Float)
    tokens: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # A 429's Retry-After: nobody calls before this.
    paused_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A seller's call is waiting for a token: background work stands aside until then.
    seller_waiting_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # From the x-remaining-today / x-limit-per-day headers of the latest answers.
    remaining_today: Mapped[int | None] = mapped_column(Integer)
    limit_per_day: Mapped[int | None] = mapped_column(Integer)
    remaining_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
