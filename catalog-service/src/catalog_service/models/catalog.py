"""Tenant tables: products, publications, orders seen, alerts, and the product quota counter."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    column,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_kit.db.base import new_id, utcnow

from catalog_service.models.base import TenantBase


class Product(TenantBase):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("stock_quantity >= 0", name="stock_not_negative"),
        # A deleted product frees its SKU; restoring it checks the SKU again.
        Index("uq_products_sku_live", "sku", unique=True, postgresql_where=column("deleted_at").is_(None)),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    sku: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    stock_quantity: Mapped[int] = mapped_column(Integer, default=1)
    brand: Mapped[str | None] = mapped_column(String(80))
    category: Mapped[str | None] = mapped_column(String(80))
    size_system: Mapped[str | None] = mapped_column(String(20))
    size: Mapped[str | None] = mapped_column(String(20))
    colours: Mapped[list[str]] = mapped_column(ARRAY(String(40)), default=list)
    materials: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    condition: Mapped[str | None] = mapped_column(String(40))
    gender: Mapped[str | None] = mapped_column(String(20))
    measurements_cm: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict)
    attributes: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict)
    flaws: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    images: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    sold_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Publication(TenantBase):
    __tablename__ = "publications"
    __table_args__ = (UniqueConstraint("product_id", "marketplace", "site", name="uq_publications_site"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    marketplace: Mapped[str] = mapped_column(String(20))
    # The eBay site (EBAY_FR, EBAY_GB…): one publication per site; '' on marketplaces without sites.
    site: Mapped[str] = mapped_column(String(20), default="")
    status: Mapped[str] = mapped_column(String(20), default="pending")
    external_id: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    reason_code: Mapped[str | None] = mapped_column(String(100))
    retryable: Mapped[bool | None] = mapped_column()
    # Every publish, revise and delist is a new attempt; (id, attempt) is the adapter's idempotency key.
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    listed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delisted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The price the listing went out at (last publish or revise): amount and currency, the exchange rate
    # used from the product's currency (1 when the same), the rate's date and where it came from.
    price_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    price_currency: Mapped[str | None] = mapped_column(String(3))
    price_rate: Mapped[Decimal | None] = mapped_column(Numeric(18, 8))
    price_rate_date: Mapped[date | None] = mapped_column(Date)
    price_rate_source: Mapped[str | None] = mapped_column(String(10))
    # eBay: the business policies the seller chose for this listing (``ListingPolicies``; a kind left out, or
    # no choice at all: the account's default set), sent again on every re-list and revise.
    listing_policies: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class Order(TenantBase):
    """An order line an adapter reported, seen once per (marketplace, order id, line id)."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("marketplace", "order_id", "line_id", name="uq_orders_line"),
        Index("ix_orders_received_at", "received_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    marketplace: Mapped[str] = mapped_column(String(20))
    order_id: Mapped[str] = mapped_column(String(200))
    # '' for an adapter that sends one event per order (and for lines recorded before line ids existed).
    line_id: Mapped[str] = mapped_column(String(200), default="")
    product_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    external_listing_id: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3))
    # applied | oversold | unmatched
    outcome: Mapped[str] = mapped_column(String(20), default="applied")
    ordered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The stock before this line took its units: a cancellation never gives back more than that.
    stock_before: Mapped[int | None] = mapped_column(Integer)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Alert(TenantBase):
    """Something the seller must act on: an oversell (both orders) or a delist that failed."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_created_at", "created_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(40))
    product_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Quota(TenantBase):
    """One row: the tenant's plan and live product count, updated conditionally to admit a product."""

    __tablename__ = "quota"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    # None until billing-service tells us: the free plan's limit (a setting) applies.
    plan: Mapped[str | None] = mapped_column(String(40))
    product_limit: Mapped[int | None] = mapped_column(Integer)
    product_count: Mapped[int] = mapped_column(Integer, default=0)
    plan_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ListingImport(TenantBase):
    """A seller's import of live listings from one marketplace, with its progress."""

    __tablename__ = "listing_imports"
    __table_args__ = (Index("ix_listing_imports_created_at", "created_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    marketplace: Mapped[str] = mapped_column(String(20))
    account_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # None until an adapter says how many listings the import holds.
    total: Mapped[int | None] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ImportedItem(TenantBase):
    """What one imported listing became: a product created or linked, skipped (already known), or failed."""

    __tablename__ = "imported_items"

    import_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("listing_imports.id", ondelete="CASCADE"), primary_key=True
    )
    external_listing_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(20))
    product_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    photos: Mapped[int] = mapped_column(Integer, default=0)
    photos_failed: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
