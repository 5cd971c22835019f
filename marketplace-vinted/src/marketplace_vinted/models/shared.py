"""The relay replicas' liveness (``shared``, home database); the dispatch index and which replica holds
which device (``colocated``: each tenant's rows in its database, written with its jobs and devices)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_kit.db.base import COLOCATED_SCHEMA, utcnow

from marketplace_vinted.models.base import SharedBase


class DispatchTenant(SharedBase):
    """Tenants with a plugin online and when their queue is next due (the dispatcher's index)."""

    __tablename__ = "dispatch_tenants"
    __table_args__ = {"schema": COLOCATED_SCHEMA}
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
    __table_args__ = {"schema": COLOCATED_SCHEMA}
    device_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    relay_instance: Mapped[str] = mapped_column(String(200), index=True)
    connection_id: Mapped[str] = mapped_column(String(64))
