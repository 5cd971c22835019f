"""The dashboard as the API shows it: counts per status and state, sell-through, sales per bucket."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field
from vitrine_contracts.common import Marketplace


class Granularity(StrEnum):
    """The width of a sales bucket; weeks start on Monday, every bucket is in UTC."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class Period(BaseModel):
    """Whole UTC days, both ends included."""

    start: date
    end: date


class ProductCounts(BaseModel):
    """Live (not deleted) products per status."""

    draft: int = 0
    ready: int = 0
    listed: int = 0
    sold: int = 0
    archived: int = 0
    total: int = 0


class ListingCounts(BaseModel):
    """One marketplace's publications per state."""

    marketplace: Marketplace
    pending: int = 0
    listing: int = 0
    listed: int = 0
    delisting: int = 0
    delisted: int = 0
    failed: int = 0
    total: int = 0


class SellThrough(BaseModel):
    """How the products first listed in the period fared, and how long the period's sales took."""

    listed: int = Field(description="Products first listed (on any marketplace) in the period")
    sold: int = Field(description="Of those, the ones sold by the end of the period")
    rate: float | None = Field(description="sold ÷ listed; None when nothing was listed")
    sold_in_period: int = Field(description="Products sold in the period that had been listed")
    median_days_to_sell: float | None = Field(
        description="Median days from first listing to sale, of the products sold in the period"
    )


class SalesTotal(BaseModel):
    """Orders (counted once, on the day of their first line), units and revenue per currency."""

    orders: int = 0
    units: int = 0
    revenue: dict[str, Decimal] = Field(
        default_factory=dict,
        description="Per ISO 4217 currency (amounts in different currencies are never added together)",
    )


class MarketplaceSales(SalesTotal):
    marketplace: Marketplace


class SummaryOut(BaseModel):
    period: Period
    products: ProductCounts
    listings: list[ListingCounts] = Field(description="Every marketplace, in a fixed order")
    sell_through: SellThrough
    sales: list[MarketplaceSales] = Field(description="Marketplaces with sales in the period")
    ai_credits_used: int = Field(
        description="AI credits spent on photo analyses finished in the period (cached answers are free)"
    )


class SalesPoint(SalesTotal):
    start: date = Field(description="The first day of the bucket (a Monday for weeks, the 1st for months)")


class SalesSeries(BaseModel):
    marketplace: Marketplace
    points: list[SalesPoint] = Field(description="One per bucket, in the order of ``buckets``")
    total: SalesTotal


class SalesOut(BaseModel):
    """Sales per bucket and marketplace; edge buckets hold only the days inside the period."""

    granularity: Granularity
    period: Period
    marketplace: Marketplace | None = Field(description="The one asked for; None for all")
    buckets: list[date]
    series: list[SalesSeries] = Field(description="The marketplace asked for, or every one with sales")
