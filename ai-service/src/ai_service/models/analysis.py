"""Tenant tables: analyses, the 30-day answer cache, and the tenant's photo cap."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, DateTime, Index, Integer, SmallInteger, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_kit.db.base import new_id, utcnow

from ai_service.models.base import TenantBase, status_column


class AnalysisStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in (AnalysisStatus.COMPLETED, AnalysisStatus.FAILED)


class CreditsState(StrEnum):
    NONE = "none"  # nothing reserved (answered from the cache, or failed before reserving)
    HELD = "held"
    COMMITTED = "committed"
    RELEASED = "released"


class Analysis(TenantBase):
    __tablename__ = "analyses"
    __table_args__ = (
        Index("ix_analyses_created_at", "created_at", "id"),
        Index("ix_analyses_product_id", "product_id", "created_at"),
        Index("uq_analyses_idempotency_key", "idempotency_key", unique=True),
        Index("ix_analyses_fingerprint", "fingerprint", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    status: Mapped[AnalysisStatus] = mapped_column(
        status_column(AnalysisStatus), default=AnalysisStatus.QUEUED
    )
    product_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    image_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)))
    label_image_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    image_hashes: Mapped[list[str]] = mapped_column(ARRAY(String(128)), default=list)
    photo_limit: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(5))
    notes: Mapped[str] = mapped_column(Text, default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    # Same request (photos, label, language, notes, cap): a second POST while one runs joins it.
    fingerprint: Mapped[str] = mapped_column(String(64))
    cache_key: Mapped[str] = mapped_column(String(64))
    prompt_version: Mapped[str] = mapped_column(String(80))
    provider: Mapped[str] = mapped_column(String(20))
    model: Mapped[str] = mapped_column(String(80))
    text_model: Mapped[str] = mapped_column(String(80))
    cached: Mapped[bool] = mapped_column(Boolean, default=False)
    credits: Mapped[int] = mapped_column(Integer, default=0)
    credits_state: Mapped[CreditsState] = mapped_column(
        status_column(CreditsState), default=CreditsState.NONE
    )
    reservation_key: Mapped[str | None] = mapped_column(String(200))
    pipeline: Mapped[str | None] = mapped_column(String(20))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    usage: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    error_code: Mapped[str | None] = mapped_column(String(80))
    error_detail: Mapped[str | None] = mapped_column(Text)
    retryable: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    def hold_credits(self, amount: int, key: str) -> None:
        self.credits, self.reservation_key = amount, key
        self.credits_state = CreditsState.HELD

    def requeue(self) -> None:
        """Back to the queue: a photo could not be fetched, the worker tries again later."""
        self.status = AnalysisStatus.QUEUED

    def start(self, *, at: datetime) -> None:
        self.status = AnalysisStatus.RUNNING
        self.started_at = self.started_at or at

    def complete(
        self,
        result: dict[str, Any],
        *,
        pipeline: str,
        usage: list[dict[str, Any]],
        cached: bool,
        at: datetime,
    ) -> None:
        self.status = AnalysisStatus.COMPLETED
        self.result = result
        self.pipeline = pipeline
        self.usage = usage
        self.cached = cached
        self.finished_at = at

    def fail(
        self, code: str, detail: str, *, retryable: bool, usage: list[dict[str, Any]], at: datetime
    ) -> None:
        self.status = AnalysisStatus.FAILED
        self.error_code = code
        self.error_detail = detail[:2000]
        self.retryable = retryable
        self.usage = usage
        self.finished_at = at

    def settled(self, state: CreditsState) -> None:
        self.credits_state = state
        if state is CreditsState.RELEASED:
            self.credits = 0


class CacheEntry(TenantBase):
    """An answer kept for 30 days, keyed by the photos' content hashes, prompt version and models."""

    __tablename__ = "analysis_cache"
    __table_args__ = (Index("ix_analysis_cache_expires_at", "expires_at"),)

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    prompt_version: Mapped[str] = mapped_column(String(80))
    model: Mapped[str] = mapped_column(String(80))
    text_model: Mapped[str] = mapped_column(String(80))
    image_hashes: Mapped[list[str]] = mapped_column(ARRAY(String(128)))
    # The photos of the analysis that made the answer: a hit maps them to the asker's, by position.
    image_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)))
    analysis_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    pipeline: Mapped[str] = mapped_column(String(20))
    result: Mapped[dict[str, Any]] = mapped_column(JSONB)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TenantPlan(TenantBase):
    """The tenant's photo cap, from billing's ``subscription.changed`` (one row)."""

    __tablename__ = "plan"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, default=1)
    plan: Mapped[str] = mapped_column(String(40))
    photos_per_analysis: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
