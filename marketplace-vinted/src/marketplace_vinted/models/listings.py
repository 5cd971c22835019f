"""Per tenant: the seller's Vinted items Vitrine knows, and the sales already seen."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, Index, Integer, Numeric, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_kit.db.base import utcnow

from marketplace_vinted.models.base import TenantBase, enum_column
from marketplace_vinted.models.enums import ListingOrigin, ListingStatus


class Listing(TenantBase):
    """A Vinted item: listed by Vitrine for a catalog publication, or linked to a product by the seller
    (whose publication catalog records under this listing's id)."""

    __tablename__ = "listings"
    __table_args__ = (Index("ix_listings_created_at", "created_at", "id"),)
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    publication_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), unique=True)
    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    origin: Mapped[ListingOrigin] = mapped_column(
        enum_column(ListingOrigin, 16), default=ListingOrigin.PUBLISHED
    )
    vinted_item_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    status: Mapped[ListingStatus] = mapped_column(enum_column(ListingStatus, 16))
    title: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    listed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The publication's last attempt seen (catalog numbers every publish, revise and delist): older are stale.
    attempt: Mapped[int | None] = mapped_column(Integer)
    # A delist that came while the publish was out at the plugin: sent as soon as the item exists.
    delist_attempt: Mapped[int | None] = mapped_column(Integer)

    @property
    def live(self) -> bool:
        return self.status is ListingStatus.LIVE and self.vinted_item_id is not None

    def stale(self, attempt: int) -> bool:
        """An attempt older than the last one seen, which it is too late to act on."""
        return self.attempt is not None and attempt < self.attempt

    def seen(self, attempt: int) -> None:
        self.attempt = max(self.attempt or 0, attempt)

    def delist_when_listed(self, attempt: int) -> None:
        self.delist_attempt = attempt

    def take_pending_delist(self) -> int | None:
        """The delist attempt waiting for the item to exist, once."""
        attempt, self.delist_attempt = self.delist_attempt, None
        return attempt

    def release_publication(self) -> None:
        """Another listing of the product is the publication's item now."""
        self.publication_id = None

    def start_publishing(self, title: str, price: Decimal, currency: str) -> None:
        """A new attempt at listing: whatever item an earlier attempt made is gone (delisted, deleted)."""
        self.status, self.vinted_item_id, self.url = ListingStatus.PUBLISHING, None, None
        self.title, self.price, self.currency = title, price, currency
        self.listed_at = self.closed_at = None

    def mark_live(self, item_id: int, url: str | None, now: datetime) -> None:
        self.status, self.vinted_item_id, self.url, self.listed_at = ListingStatus.LIVE, item_id, url, now

    def revised(self, title: str, price: Decimal, currency: str) -> None:
        """Vinted accepted an update of the item."""
        self.title, self.price, self.currency = title, price, currency

    def adopt(self, publication_id: uuid.UUID) -> None:
        """Catalog's publication for this (linked) item: its later commands name it."""
        self.publication_id = publication_id

    def mark_failed(self) -> None:
        self.status = ListingStatus.FAILED

    def link_refused(self) -> None:
        """The linked item is not the seller's on Vinted (or is gone): the item id is free to link again."""
        self.status, self.vinted_item_id = ListingStatus.FAILED, None

    def close(self, status: ListingStatus, now: datetime | None = None) -> None:
        """No longer on sale: ``SOLD``, ``DELETED`` (by the seller) or ``DELISTED`` (by Vitrine)."""
        self.status, self.closed_at = status, now or utcnow()


class SeenOrder(TenantBase):
    """A Vinted transaction already turned into ``order.received`` events."""

    __tablename__ = "seen_orders"
    transaction_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    vinted_item_id: Mapped[int] = mapped_column(BigInteger)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
