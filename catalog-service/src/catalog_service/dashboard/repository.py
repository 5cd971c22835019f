"""The dashboard's queries. Counts use the indexes of ct0005 (index-only scans); sell-through and sales read
the tables its triggers keep, so a query costs the days or first listings asked for, not the orders or
products behind them. AI credits are one row per paid analysis (ct0006), summed over the period's days."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_service.dashboard.schemas import Granularity
from catalog_service.models import Product, Publication
from catalog_service.models.dashboard import AiCreditsSpent, FirstListing, SalesDay


@dataclass(frozen=True)
class SalesRow:
    """Sums of one bucket (None: the whole period), marketplace and currency."""

    bucket: date | None
    marketplace: str
    currency: str
    orders: int
    units: int
    revenue: Decimal


@dataclass(frozen=True)
class SellThroughRow:
    listed: int
    sold: int
    sold_in_period: int
    median_seconds: float | None


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period's UTC instants: ``start`` at midnight, up to the midnight after ``end``."""
    return (
        datetime.combine(start, time(), tzinfo=UTC),
        datetime.combine(end + timedelta(days=1), time(), tzinfo=UTC),
    )


async def products_by_status(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        sa.select(Product.status, sa.func.count())
        .where(Product.deleted_at.is_(None))
        .group_by(Product.status)
    )
    return {str(status): int(count) for status, count in rows}


async def listings_by_state(session: AsyncSession) -> dict[tuple[str, str], int]:
    rows = await session.execute(
        sa.select(Publication.marketplace, Publication.status, sa.func.count()).group_by(
            Publication.marketplace, Publication.status
        )
    )
    return {(marketplace, status): count for marketplace, status, count in rows}


async def sell_through(session: AsyncSession, start: date, end: date) -> SellThroughRow:
    since, until = _bounds(start, end)
    f = FirstListing
    sold_after_listing = sa.and_(f.sold_at.is_not(None), f.sold_at >= f.listed_at)
    cohort = (
        await session.execute(
            sa.select(sa.func.count(), sa.func.count().filter(sa.and_(sold_after_listing, f.sold_at < until)))
            .select_from(f)
            .where(f.listed_at >= since, f.listed_at < until, f.deleted.is_(False))
        )
    ).one()
    seconds = sa.func.extract("epoch", f.sold_at - f.listed_at)
    sold = (
        await session.execute(
            sa.select(sa.func.count(), sa.func.percentile_cont(0.5).within_group(seconds))
            .select_from(f)
            .where(f.sold_at >= since, f.sold_at < until, f.deleted.is_(False), sold_after_listing)
        )
    ).one()
    return SellThroughRow(
        listed=cohort[0],
        sold=cohort[1],
        sold_in_period=sold[0],
        median_seconds=float(sold[1]) if sold[1] is not None else None,
    )


async def sales(
    session: AsyncSession,
    start: date,
    end: date,
    granularity: Granularity | None,
    marketplace: str | None,
) -> list[SalesRow]:
    """Sums per bucket (``granularity`` None: per period), marketplace and currency; empty ones left out."""
    bucket: sa.ColumnElement[date | None] = sa.null().cast(sa.Date)
    if granularity is not None:
        bucket = sa.cast(sa.func.date_trunc(granularity.value, sa.cast(SalesDay.day, sa.DateTime)), sa.Date)
    stmt = (
        sa.select(
            bucket.label("bucket"),
            SalesDay.marketplace,
            SalesDay.currency,
            sa.func.sum(SalesDay.orders),
            sa.func.sum(SalesDay.units),
            sa.func.sum(SalesDay.revenue),
        )
        .where(SalesDay.day >= start, SalesDay.day <= end)
        .group_by(sa.literal_column("bucket"), SalesDay.marketplace, SalesDay.currency)
        # Days whose lines were all cancelled keep a row of zeros.
        .having(sa.func.sum(SalesDay.lines) > 0)
    )
    if marketplace is not None:
        stmt = stmt.where(SalesDay.marketplace == marketplace)
    rows = await session.execute(stmt)
    return [
        SalesRow(b, mp, currency, int(orders), int(units), Decimal(revenue))
        for b, mp, currency, orders, units, revenue in rows
    ]


async def add_ai_credits(session: AsyncSession, analysis_id: uuid.UUID, day: date, credits: int) -> None:
    """Count an analysis' credits once: an analysis already counted keeps its row."""
    await session.execute(
        insert(AiCreditsSpent)
        .values(analysis_id=analysis_id, day=day, credits=credits)
        .on_conflict_do_nothing(index_elements=[AiCreditsSpent.analysis_id])
    )


async def ai_credits(session: AsyncSession, start: date, end: date) -> int:
    """AI credits spent on the days from ``start`` to ``end``, both included."""
    total = await session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(AiCreditsSpent.credits), 0)).where(
            AiCreditsSpent.day >= start, AiCreditsSpent.day <= end
        )
    )
    return int(total or 0)
