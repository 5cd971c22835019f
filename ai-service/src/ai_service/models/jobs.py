"""``shared.analysis_jobs``: the queue of analyses waiting for a worker, across tenants.

Analyses live in their tenant's schema; a worker must find them without visiting every schema, so each
one queued gets a row here, written in the same transaction as the analysis, and deleted once the
analysis is decided and its credits settled.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_kit.db.base import COLOCATED_SCHEMA, utcnow

from ai_service.models.base import SharedBase, status_column


class JobState(StrEnum):
    QUEUED = "queued"  # waiting for a worker (or for available_at)
    RUNNING = "running"  # leased by a worker until lease_until
    SETTLING = "settling"  # the analysis is decided; its credits still have to be committed or released


class Settlement(StrEnum):
    COMMIT = "commit"
    RELEASE = "release"


class AnalysisJob(SharedBase):
    """An analysis's place in the worker's queue. ``colocated``: in the tenant's database, written in the
    same transaction as the analysis; the worker claims from every database."""

    __tablename__ = "analysis_jobs"
    __table_args__ = (Index("ix_analysis_jobs_due", "state", "available_at"), {"schema": COLOCATED_SCHEMA})

    analysis_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    state: Mapped[JobState] = mapped_column(status_column(JobState), default=JobState.QUEUED)
    settlement: Mapped[Settlement | None] = mapped_column(status_column(Settlement), nullable=True)
    reservation_key: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    @property
    def unclaimed(self) -> bool:
        """Still waiting for its first worker (its asker may still be reserving its credits)."""
        return self.state is JobState.QUEUED and self.attempts == 0

    def due(self, at: datetime) -> None:
        """The asker reserved the credits: a worker may take the job from ``at``."""
        self.available_at = at

    def settle_later(self, settlement: Settlement, reservation_key: str | None, *, at: datetime) -> None:
        """The analysis is decided; the worker (or a later pass) settles its credits."""
        self.state = JobState.SETTLING
        self.settlement = settlement
        self.reservation_key = reservation_key
        self.available_at = at
        self.lease_until = None

    def retry_at(self, at: datetime, error: str) -> None:
        """Give the job back to the queue, to be tried again at ``at``."""
        self.state = JobState.QUEUED
        self.available_at = at
        self.lease_until = None
        self.last_error = error[:2000]
