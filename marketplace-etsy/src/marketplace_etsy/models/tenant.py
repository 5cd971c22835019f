"""Tenant tables: the Etsy shop (tokens encrypted), listings with their recorded steps, receipt lines."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_kit.db.base import new_id, utcnow

from marketplace_etsy.models.base import TenantBase
from marketplace_etsy.models.enums import AccountStatus, ListingState, enum_column


class EtsyAccount(TenantBase):
    """The tenant's connected Etsy shop; token columns hold Fernet ciphertext only."""

    __tablename__ = "etsy_accounts"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    connected_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    etsy_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    shop_id: Mapped[int | None] = mapped_column(BigInteger)
    shop_name: Mapped[str | None] = mapped_column(String(200))
    shop_url: Mapped[str | None] = mapped_column(Text)
    currency: Mapped[str | None] = mapped_column(String(3))
    country: Mapped[str | None] = mapped_column(String(2))
    access_token_enc: Mapped[str] = mapped_column(Text)
    refresh_token_enc: Mapped[str | None] = mapped_column(Text)
    access_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    refresh_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    scopes: Mapped[list[str]] = mapped_column(JSONB, default=list)
    status: Mapped[AccountStatus] = mapped_column(enum_column(AccountStatus), default=AccountStatus.ACTIVE)
    # The shop's profiles new listings use (chosen by the setup check, or the first Etsy lists).
    shipping_profile_id: Mapped[int | None] = mapped_column(BigInteger)
    readiness_state_id: Mapped[int | None] = mapped_column(BigInteger)
    return_policy_id: Mapped[int | None] = mapped_column(BigInteger)
    connected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    refreshed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A refresh of the tokens under way (one at a time, Etsy called with no connection held) until then.
    refreshing_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    def mark_reconnect(self) -> None:
        self.status = AccountStatus.RECONNECT

    def mark_active(self) -> None:
        self.status = AccountStatus.ACTIVE


class EtsyListing(TenantBase):
    """One publication on Etsy (or an imported listing). Each step of a publish is recorded here (and in
    ``etsy_listing_images``) before the next starts, so a retried attempt resumes instead of starting over."""

    __tablename__ = "etsy_listings"
    __table_args__ = (Index("ix_etsy_listings_created_at", "created_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("etsy_accounts.id", ondelete="CASCADE"), index=True
    )
    publication_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), unique=True)
    product_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    listing_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    state: Mapped[ListingState] = mapped_column(enum_column(ListingState), default=ListingState.PENDING)
    # What createDraftListing was sent, and when: finds a draft whose answer was lost.
    title: Mapped[str | None] = mapped_column(String(140))
    draft_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    url: Mapped[str | None] = mapped_column(Text)
    sku: Mapped[str | None] = mapped_column(String(32))
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    quantity: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    def request_draft(self, title: str, at: datetime) -> None:
        self.state, self.title, self.draft_requested_at = ListingState.DRAFT_REQUESTED, title, at

    def record_draft(self, listing_id: int) -> None:
        self.listing_id, self.state, self.last_error = listing_id, ListingState.DRAFT, None

    def mark_active(self, url: str | None) -> None:
        self.state, self.url, self.last_error = ListingState.ACTIVE, url, None

    def mark_failed(self, reason: str) -> None:
        self.state, self.last_error = ListingState.FAILED, reason[:2000]

    def mark_delisted(self) -> None:
        self.state = ListingState.DELISTED

    def start_over(self) -> None:
        """A delisted publication published again: a new Etsy listing (the old one is gone)."""
        self.listing_id = self.url = self.title = self.draft_requested_at = self.last_error = None
        self.state = ListingState.PENDING


class ListingImageRecord(TenantBase):
    """A photo uploaded to a listing at ``rank``: recorded right after Etsy accepted it."""

    __tablename__ = "etsy_listing_images"

    listing_row_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("etsy_listings.id", ondelete="CASCADE"), primary_key=True
    )
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    media_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    listing_image_id: Mapped[int] = mapped_column(BigInteger)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CommandClaim(TenantBase):
    """A publication's publish or delist in flight at Etsy: claimed in a short transaction before Etsy is
    called (no connection held meanwhile), released in the transaction that records the result. One command
    per publication at a time, across replicas; a claim whose holder died lapses at ``claimed_until``."""

    __tablename__ = "etsy_command_claims"

    publication_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    token: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))  # one per delivery
    message_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    claimed_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReceiptLine(TenantBase):
    """A receipt's transaction already reported as ``order.received`` (the key makes it once-only)."""

    __tablename__ = "etsy_receipt_lines"

    receipt_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    transaction_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("etsy_accounts.id", ondelete="CASCADE"), index=True
    )
    listing_id: Mapped[int] = mapped_column(BigInteger)
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # When Etsy canceled or fully refunded the receipt after it was reported: its order.cancelled went out.
    canceled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
