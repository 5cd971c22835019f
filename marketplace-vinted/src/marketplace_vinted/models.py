"""Tables of marketplace-vinted: a dispatch index (shared) and, per tenant, the account, devices, jobs…"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Float, Integer, Numeric, String
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from vitrine_kit.db.base import shared_metadata, tenant_metadata, utcnow


class SharedBase(DeclarativeBase):
    metadata = shared_metadata()


class TenantBase(DeclarativeBase):
    metadata = tenant_metadata()


class DispatchTenant(SharedBase):
    """Tenants with a plugin online and when their queue is next due (the dispatcher's index)."""

    __tablename__ = "dispatch_tenants"
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    wake_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RelayReplica(SharedBase):
    """A relay replica's last ``relay.replica.alive`` (or ``plugin.connected``); ``dead_at`` once it was
    silent past ``REPLICA_TIMEOUT_S`` and its devices were taken offline."""

    __tablename__ = "relay_replicas"
    relay_instance: Mapped[str] = mapped_column(String(200), primary_key=True)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    dead_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RelayDevice(SharedBase):
    """Which replica holds each online device, across tenants (the tenants to visit when a replica dies)."""

    __tablename__ = "relay_devices"
    device_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    relay_instance: Mapped[str] = mapped_column(String(200), index=True)
    connection_id: Mapped[str] = mapped_column(String(64))


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


class PluginDevice(TenantBase):
    __tablename__ = "plugin_devices"
    device_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    relay_instance: Mapped[str] = mapped_column(String(200))
    connection_id: Mapped[str] = mapped_column(String(64))
    online: Mapped[bool] = mapped_column(Boolean)
    max_in_flight: Mapped[int] = mapped_column(Integer, default=2)
    capabilities: Mapped[list[str]] = mapped_column(JSONB, default=list)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Job(TenantBase):
    """A unit of work for the plugin; its id is the job id the plugin sees (stable across redeliveries)."""

    __tablename__ = "jobs"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued|dispatched|succeeded|failed
    priority: Mapped[int] = mapped_column(Integer, default=5)  # lower first; delists are 0
    params: Mapped[dict[str, Any]] = mapped_column(JSONB)
    context: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    device_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    calls: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)


class Listing(TenantBase):
    """A publication's Vinted item."""

    __tablename__ = "listings"
    publication_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    vinted_item_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    status: Mapped[str] = mapped_column(String(16))  # publishing|live|sold|deleted|delisted|failed
    url: Mapped[str | None] = mapped_column(String(500))
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    listed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SeenOrder(TenantBase):
    __tablename__ = "seen_orders"
    transaction_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    vinted_item_id: Mapped[int] = mapped_column(BigInteger)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Alert(TenantBase):
    """Something the seller must see (session expired with live listings, a delist waiting for the plugin)."""

    __tablename__ = "alerts"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
