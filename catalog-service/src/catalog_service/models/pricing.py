"""Price rules per marketplace and site, exchange rates (ECB's, service-wide; the seller's own, per tenant),
the seller's default eBay sites and the marketplace accounts catalog has heard of."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, Numeric, String
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_kit.db.base import utcnow

from catalog_service.models.base import SharedBase, TenantBase


class PriceRule(TenantBase):
    """price * coefficient + fixed amount, rounded to an ending, for one marketplace (and one eBay site)."""

    __tablename__ = "price_rules"

    marketplace: Mapped[str] = mapped_column(String(20), primary_key=True)
    # '' = every site of the marketplace (a site's own rule wins).
    site: Mapped[str] = mapped_column(String(20), primary_key=True, default="")
    coefficient: Mapped[Decimal] = mapped_column(Numeric(8, 4), default=Decimal("1"))
    # In the listing's currency (added after conversion).
    fixed_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    # The cents every price ends with (0.90, 0.99, 0.00); None = rounded to the cent only.
    ending: Mapped[Decimal | None] = mapped_column(Numeric(3, 2))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EcbRate(SharedBase):
    """One ECB reference rate: 1 EUR = ``rate`` ``currency`` on ``rate_date`` (every tenant reads them)."""

    __tablename__ = "exchange_rates"

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    rate_date: Mapped[date] = mapped_column(Date, primary_key=True)
    rate: Mapped[Decimal] = mapped_column(Numeric(18, 8))
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RateOverride(TenantBase):
    """The seller's own rate for a currency (1 EUR = ``rate``), used instead of ECB's."""

    __tablename__ = "exchange_rate_overrides"

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    rate: Mapped[Decimal] = mapped_column(Numeric(18, 8))
    rate_date: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PublishDefaults(TenantBase):
    """One row: the eBay sites a plain "ebay" publish goes to (empty: the sites of the connected accounts)."""

    __tablename__ = "publish_defaults"

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    ebay_sites: Mapped[list[str]] = mapped_column(ARRAY(String(20)), default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MarketplaceAccount(TenantBase):
    """A marketplace account the adapters reported connected (eBay: one per site)."""

    __tablename__ = "marketplace_accounts"

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    marketplace: Mapped[str] = mapped_column(String(20))
    site: Mapped[str] = mapped_column(String(20), default="")
    # The account's own currency (an Etsy shop's): its listings are priced in it. None: the site's or the
    # product's own.
    currency: Mapped[str | None] = mapped_column(String(3))
    connected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
