"""Service-wide tables: the mail queue and the tenants' due work, each read across tenants by one query."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, DateTime, Identity, Index, Integer, String, Text, UniqueConstraint, column
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_kit.db.base import utcnow

from notification_service.models.base import SharedBase
from notification_service.models.tenant import str_enum


class MailStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Task(StrEnum):
    """Work a tenant has waiting for a time (one row per tenant and task)."""

    DIGEST = "digest"
    IMPORTS = "imports"


class Mail(SharedBase):
    """One e-mail to one recipient, written in the transaction of what caused it and sent by the mail loop.

    ``(dedup_key, user_id)`` is unique: an event (or a day's digest) mails each recipient once, however often
    it is delivered. The unsubscribe link is signed when the mail is sent, never stored.
    """

    __tablename__ = "mails"
    __table_args__ = (
        UniqueConstraint("dedup_key", "user_id", name="uq_mails_dedup_key"),
        Index("ix_mails_due", "next_attempt_at", postgresql_where=column("status") == "pending"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    topic: Mapped[str] = mapped_column(String(40))
    dedup_key: Mapped[str] = mapped_column(String(80))
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(200))
    lines: Mapped[list[str]] = mapped_column(JSONB)
    language: Mapped[str] = mapped_column(String(5), default="en")  # of the words around the lines
    status: Mapped[MailStatus] = mapped_column(str_enum(MailStatus, 20), default=MailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def mark_sent(self, at: datetime) -> None:
        self.status, self.sent_at, self.last_error = MailStatus.SENT, at, None
        self.attempts += 1

    def mark_failed(self, error: str, *, retry_at: datetime | None) -> None:
        """A failed attempt: tried again at ``retry_at``, or given up on (``None``)."""
        self.attempts += 1
        self.last_error = error
        if retry_at is None:
            self.status = MailStatus.FAILED
        else:
            self.next_attempt_at = retry_at


class Scheduled(SharedBase):
    """A tenant's task due at ``due_at`` (the daily digest, an import's last count); claimed with SKIP LOCKED."""

    __tablename__ = "scheduled"

    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    task: Mapped[Task] = mapped_column(str_enum(Task, 20), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
