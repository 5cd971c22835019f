"""Tenant tables: the feed and its counter, e-mail preferences, recipients, the digest's waiting lines,
import runs and the product titles mails quote."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Enum, Identity, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_contracts.common import Marketplace
from vitrine_contracts.notifications import FeedKind
from vitrine_kit.db.base import utcnow

from notification_service.models.base import TenantBase


def str_enum(cls: type[StrEnum], length: int = 40) -> Enum:
    """A Python enum stored as its values in a VARCHAR (no PostgreSQL type to migrate when a value is added)."""
    return Enum(
        cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
    )


class Delivery(StrEnum):
    """How a kind reaches the seller by e-mail."""

    IMMEDIATE = "immediate"
    DIGEST = "digest"


class FeedCounter(TenantBase):
    """One row: the last item id. Taking the next id locks it, so ids commit in the order they are given."""

    __tablename__ = "feed_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)


class FeedItem(TenantBase):
    """One item of the seller's feed, kept for resuming (``history_items`` / ``history_days``)."""

    __tablename__ = "feed_items"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True)
    kind: Mapped[FeedKind] = mapped_column(str_enum(FeedKind))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    text: Mapped[str] = mapped_column(String(500))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Preference(TenantBase):
    """The seller's choice for one kind; a kind without a row has its default (``preferences.defaults``)."""

    __tablename__ = "preferences"

    kind: Mapped[FeedKind] = mapped_column(str_enum(FeedKind), primary_key=True)
    email: Mapped[bool] = mapped_column(Boolean)
    delivery: Mapped[Delivery] = mapped_column(str_enum(Delivery, 20))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MailSettings(TenantBase):
    """One row: when the daily digest goes out."""

    __tablename__ = "mail_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    digest_hour: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")


class Recipient(TenantBase):
    """A member of the seller account as auth-service announced them; owners receive the e-mails."""

    __tablename__ = "recipients"

    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320))
    role: Mapped[str | None] = mapped_column(String(20))
    # The language of their mails (``user.language_changed``) and when they chose it: a later choice wins.
    language: Mapped[str | None] = mapped_column(String(5))
    language_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Unsubscription(TenantBase):
    """A recipient who followed an unsubscribe link for a topic (a kind, or ``digest``)."""

    __tablename__ = "unsubscriptions"

    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    topic: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DigestEntry(TenantBase):
    """A line waiting for the next daily digest (deleted once the digest is written)."""

    __tablename__ = "digest_entries"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True)
    kind: Mapped[FeedKind] = mapped_column(str_enum(FeedKind))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    text: Mapped[str] = mapped_column(String(500))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)  # the item's facts, to word it per mail


class ImportRun(TenantBase):
    """Listings imported so far in one import (by its id, or per marketplace when the adapter gives none)."""

    __tablename__ = "import_runs"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    marketplace: Mapped[Marketplace] = mapped_column(str_enum(Marketplace, 20))
    total: Mapped[int | None] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer, default=0)
    told: Mapped[int] = mapped_column(Integer, default=0)
    told_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProductTitle(TenantBase):
    """A product's title as last published (from ``publication.requested``), so that items can name it."""

    __tablename__ = "product_titles"

    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
