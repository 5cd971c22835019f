"""Tenant tables the dashboard reads: the sales and listing figures written only by the triggers of migration
ct0005 in the same transaction as the order or publication change they sum (no code path can forget them),
and the AI credits spent, written by the handler of ``ai.analysis.completed`` (ct0006)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from catalog_service.models.base import TenantBase


class SalesDay(TenantBase):
    """Live (not cancelled) order lines summed per UTC day, marketplace and currency."""

    __tablename__ = "dashboard_sales_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    marketplace: Mapped[str] = mapped_column(String(20), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    # Orders counted once, on the day and in the currency of their first line.
    orders: Mapped[int] = mapped_column(Integer)
    lines: Mapped[int] = mapped_column(Integer)
    units: Mapped[int] = mapped_column(Integer)
    revenue: Mapped[Decimal] = mapped_column(Numeric(16, 2))


class OrderTally(TenantBase):
    """One marketplace order: its live lines, and the bucket its count went to."""

    __tablename__ = "dashboard_order_tallies"

    marketplace: Mapped[str] = mapped_column(String(20), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    live_lines: Mapped[int] = mapped_column(Integer)


class FirstListing(TenantBase):
    """When a product first went live anywhere (a relist does not move it), with the product's sale and
    deletion copied beside it."""

    __tablename__ = "dashboard_first_listings"

    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    listed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    sold_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class AiCreditsSpent(TenantBase):
    """The AI credits one analysis cost, on the UTC day it finished; one row per analysis, so a replayed
    event counts once (cached answers cost nothing and have no row)."""

    __tablename__ = "dashboard_ai_credits"
    __table_args__ = (Index("ix_dashboard_ai_credits_day", "day", postgresql_include=["credits"]),)

    analysis_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    credits: Mapped[int] = mapped_column(Integer)
