"""The relay replicas' liveness and the scheduled reference refresh (``shared``, home database); the
dispatch index and which replica holds which device (``colocated``: each tenant's rows in its database,
written with its jobs and devices)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import Boolean, DateTime, Integer, String
from sqlalchemy.dialects.postgresql import ARRAY, UUID
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


class ReferenceRefresh(SharedBase):
    """The scheduled refresh of Vinted's reference data (one row: the data is the same for every seller).
    Locked ``FOR UPDATE SKIP LOCKED`` by the loop of one replica at a time; a run is the refresh jobs queued
    at one tenant, ``pending`` the lists (``what:catalog_id``) whose last part has not come back yet."""

    __tablename__ = "reference_refresh"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    run_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    run_tenant_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    run_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    run_deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pending: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list)
    last_succeeded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_failed_tenant_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    last_error: Mapped[str | None] = mapped_column(String(500))
    failures: Mapped[int] = mapped_column(Integer, default=0)

    def start(
        self, run_id: uuid.UUID, tenant_id: uuid.UUID, pending: list[str], now: datetime, timeout_s: float
    ) -> None:
        """A run queued at ``tenant_id``: done when every list in ``pending`` is in, failed past the deadline."""
        self.run_id, self.run_tenant_id, self.pending = run_id, tenant_id, pending
        self.run_started_at, self.run_deadline = now, now + timedelta(seconds=timeout_s)

    def fail(self, now: datetime, retry_s: float, why: str) -> None:
        """The run failed: another in ``retry_s``, through another seller's plugin if there is one."""
        self.last_failed_tenant_id, self.last_error = self.run_tenant_id, why[:500]
        self.failures += 1
        self._end(now + timedelta(seconds=retry_s))

    def succeed(self, now: datetime, period_s: float) -> None:
        self.last_succeeded_at, self.last_error, self.failures = now, None, 0
        self._end(now + timedelta(seconds=period_s))

    def _end(self, due_at: datetime) -> None:
        self.due_at, self.pending = due_at, []
        self.run_id = self.run_tenant_id = self.run_started_at = self.run_deadline = None
