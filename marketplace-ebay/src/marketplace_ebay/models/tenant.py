"""Tenant tables: eBay accounts (tokens encrypted), listings, orders already reported."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_kit.db.base import enum_column, new_id, utcnow

from marketplace_ebay.models.base import TenantBase


class AccountStatus(StrEnum):
    ACTIVE = "active"
    # eBay refused its refresh token: the seller must connect again before anything is sent.
    RECONNECT = "reconnect"


class EbayAccount(TenantBase):
    """A connected eBay account on one site; token columns hold Fernet ciphertext only."""

    __tablename__ = "ebay_accounts"
    __table_args__ = (UniqueConstraint("ebay_user_id", "site"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    connected_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    site: Mapped[str] = mapped_column(String(16))
    ebay_user_id: Mapped[str] = mapped_column(String(64))
    ebay_username: Mapped[str | None] = mapped_column(String(200))
    access_token_enc: Mapped[str] = mapped_column(Text)
    refresh_token_enc: Mapped[str | None] = mapped_column(Text)
    access_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    refresh_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    scopes: Mapped[list[str]] = mapped_column(JSONB, default=list)
    status: Mapped[AccountStatus] = mapped_column(
        enum_column(AccountStatus, 16), default=AccountStatus.ACTIVE
    )
    fulfillment_policy_id: Mapped[str | None] = mapped_column(String(64))
    payment_policy_id: Mapped[str | None] = mapped_column(String(64))
    return_policy_id: Mapped[str | None] = mapped_column(String(64))
    location_key: Mapped[str | None] = mapped_column(String(36))
    connected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class ListingStatus(StrEnum):
    PUBLISHING = "publishing"
    LISTED = "listed"
    FAILED = "failed"
    DELISTED = "delisted"
    IMPORTED = "imported"
    # Ended on eBay outside Vitrine (by the seller or eBay), found by reconciliation.
    ENDED = "ended"


# Statuses of a listing live on eBay as far as Vitrine knows.
LIVE = (ListingStatus.LISTED.value, ListingStatus.IMPORTED.value)


class EbayListing(TenantBase):
    """One publication on eBay (SKU derived from the publication id), or an imported listing."""

    __tablename__ = "ebay_listings"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("ebay_accounts.id", ondelete="CASCADE"), index=True
    )
    publication_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), unique=True)
    product_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    sku: Mapped[str] = mapped_column(String(50))
    offer_id: Mapped[str | None] = mapped_column(String(64))
    listing_id: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default=ListingStatus.PUBLISHING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The publication's latest attempt seen here, and whether it is finished: older ones are stale,
    # a finished one delivered again is a duplicate.
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    attempt_done: Mapped[bool] = mapped_column(Boolean, default=False)
    # publish | revise | delist: senders that do not number attempts send 1 for every command.
    attempt_action: Mapped[str | None] = mapped_column(String(10))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    quantity: Mapped[int | None] = mapped_column(Integer)
    # The business policies the listing went out with (the seller's choice for it, else the account's
    # defaults at the time).
    fulfillment_policy_id: Mapped[str | None] = mapped_column(String(64))
    payment_policy_id: Mapped[str | None] = mapped_column(String(64))
    return_policy_id: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class SeenOrderLine(TenantBase):
    """An order line already reported as ``order.received`` (the unique key makes reporting once-only)."""

    __tablename__ = "ebay_order_lines"

    order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    line_item_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("ebay_accounts.id", ondelete="CASCADE"), index=True
    )
    listing_id: Mapped[str] = mapped_column(String(64))
    sku: Mapped[str | None] = mapped_column(String(50))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
