"""The kit's tables in every service database: tenant registry, outbox, inbox."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, DateTime, Identity, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from vitrine_kit.db.base import KitBase, enum_column, utcnow


class TenantStatus(StrEnum):
    ACTIVE = "active"
    # The schema was dropped; the row stays so the tenant is never provisioned again.
    DELETED = "deleted"


class Tenant(KitBase):
    """One row per tenant this service knows; ``revision`` mirrors the schema's own version table."""

    __tablename__ = "tenants"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    schema_name: Mapped[str] = mapped_column(String(63), unique=True)
    status: Mapped[TenantStatus] = mapped_column(enum_column(TenantStatus, 16), default=TenantStatus.ACTIVE)
    revision: Mapped[str | None] = mapped_column(String(64))
    migrated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OutboxMessage(KitBase):
    """An event written in the caller's transaction, published by the relay after commit."""

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True)
    routing_key: Mapped[str] = mapped_column(String(200))
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_outbox_unsent", "seq", postgresql_where=text("sent_at IS NULL")),
        Index("ix_outbox_sent_at", "sent_at", postgresql_where=text("sent_at IS NOT NULL")),
    )


class InboxMessage(KitBase):
    """A message a consumer has handled; its insert in the handler's transaction makes redelivery a no-op."""

    __tablename__ = "inbox"

    consumer: Mapped[str] = mapped_column(String(200), primary_key=True)
    message_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(200))
    # The message's tenant (None for service-wide events): a tenant moved to another database takes its rows.
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ShardState(StrEnum):
    ACTIVE = "active"
    # Being copied to ``target``: its requests answer 503 and its events wait until the map is switched.
    MOVING = "moving"


class TenantShard(KitBase):
    """The shard map (in the home database only): which database holds each tenant's schema."""

    __tablename__ = "tenant_shards"

    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    shard: Mapped[str] = mapped_column(String(32))
    state: Mapped[ShardState] = mapped_column(enum_column(ShardState, 16), default=ShardState.ACTIVE)
    # While moving: where to. After the switch and until the old schema is dropped: where from.
    target: Mapped[str | None] = mapped_column(String(32))
    previous: Mapped[str | None] = mapped_column(String(32))
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    moved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_tenant_shards_shard", "shard"),)
