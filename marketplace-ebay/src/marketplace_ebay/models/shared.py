"""Service-wide tables: OAuth states, deletion notices, command attempts (``shared``, on the home database);
and the per-account rows the loops scan: the account directory, the order-poll and reconciliation schedules
(``colocated``: in the tenant's database, written in the same transaction as the account)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_kit.db.base import COLOCATED_SCHEMA, utcnow

from marketplace_ebay.models.base import SharedBase


class OAuthState(SharedBase):
    """A pending connection: the SHA-256 of the ``state`` sent to eBay, bound to tenant, user and browser."""

    __tablename__ = "oauth_states"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    site: Mapped[str] = mapped_column(String(16))
    # SHA-256 of the random value of the cookie set on the browser that started the connection.
    browser_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AccountDirectory(SharedBase):
    """Which tenant holds which eBay user: deletion notifications name only the eBay user."""

    __tablename__ = "account_directory"
    __table_args__ = {"schema": COLOCATED_SCHEMA}

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    ebay_user_id: Mapped[str] = mapped_column(String(64), index=True)
    site: Mapped[str | None] = mapped_column(String(16))
    # Fernet ciphertext, as in the tenant's table: a deleted tenant's listings can still be ended with it.
    refresh_token_enc: Mapped[str | None] = mapped_column(Text)


class OrderPoll(SharedBase):
    """The order-polling schedule of one account, claimed with ``FOR UPDATE SKIP LOCKED``."""

    __tablename__ = "order_polls"
    __table_args__ = {"schema": COLOCATED_SCHEMA}

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    next_poll_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    cursor: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_polled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)


class Reconciliation(SharedBase):
    """The reconciliation schedule of one account (listings ended on eBay, cancelled orders), claimed with
    ``FOR UPDATE SKIP LOCKED`` so that one replica reconciles each account per period."""

    __tablename__ = "reconciliations"
    __table_args__ = {"schema": COLOCATED_SCHEMA}

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    next_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    # Orders modified since (less an overlap) are read for cancellations.
    cursor: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)


class DeletionNotice(SharedBase):
    """A marketplace account deletion notification, kept once per notification id."""

    __tablename__ = "deletion_notices"

    notification_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    ebay_user_id: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    accounts_removed: Mapped[int] = mapped_column(default=0)


class CommandAttempt(SharedBase):
    """How many times one attempt of a publication (its key: publication id + attempt number) was tried:
    counted outside the handler's transaction, so the last try can tell the seller instead of
    dead-lettering in silence, and a second delivery of the same attempt counts against the same key."""

    __tablename__ = "command_attempts"

    message_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    attempts: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
