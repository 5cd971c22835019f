"""The dashboard: periods checked and defaulted, figures assembled from the repository's sums."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from vitrine_contracts.ai import AnalysisCompleted
from vitrine_contracts.common import Marketplace

from catalog_service.dashboard import repository
from catalog_service.dashboard.chart import render_sales_chart
from catalog_service.dashboard.errors import InvalidPeriod
from catalog_service.dashboard.schemas import (
    Granularity,
    ListingCounts,
    MarketplaceSales,
    Period,
    ProductCounts,
    SalesOut,
    SalesPoint,
    SalesSeries,
    SalesTotal,
    SellThrough,
    SummaryOut,
)
from catalog_service.products.schemas import ProductStatus
from catalog_service.scope import Scope

# Longest period per bucket width: about three years of days, ten years of weeks or months.
MAX_DAYS = {Granularity.DAY: 3 * 366, Granularity.WEEK: 10 * 366, Granularity.MONTH: 10 * 366}
# The default period when none is asked for.
DEFAULT_DAYS = {Granularity.DAY: 30, Granularity.WEEK: 12 * 7, Granularity.MONTH: 365}
T = TypeVar("T", bound=SalesTotal)
LISTING_STATES = ("pending", "listing", "listed", "delisting", "delisted", "failed")


@dataclass(frozen=True)
class SalesQuery:
    granularity: Granularity
    period: Period
    marketplace: Marketplace | None


# The days a period may name: sales start after 1970, and date arithmetic stays far from date.min/max.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 31)


def today() -> date:
    return datetime.now(UTC).date()


def period_of(start: date | None, end: date | None, granularity: Granularity) -> Period:
    """The period asked for, defaulted from today (UTC); 422 naming ``from`` or ``to`` when it is not valid."""
    # A period too long is blamed on the end the client chose (``to`` when both or neither were given).
    longest_by = "from" if start is not None and end is None else "to"
    for name, day in (("from", start), ("to", end)):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise InvalidPeriod(name, f"must be between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}")
    end = end or today()
    start = start or end - timedelta(days=DEFAULT_DAYS[granularity] - 1)
    if start > end:
        raise InvalidPeriod("from", f"must not be after to ({end.isoformat()})")
    if (end - start).days + 1 > MAX_DAYS[granularity]:
        raise InvalidPeriod(
            longest_by,
            f"the period may span at most {MAX_DAYS[granularity]} days with granularity={granularity.value}",
        )
    return Period(start=start, end=end)


def _next(start: date, granularity: Granularity) -> date:
    if granularity is Granularity.MONTH:
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start + timedelta(days=7 if granularity is Granularity.WEEK else 1)


def bucket_starts(period: Period, granularity: Granularity) -> list[date]:
    """Every bucket touching the period, by its first day (a Monday for weeks, the 1st for months)."""
    current = {
        Granularity.DAY: period.start,
        Granularity.WEEK: period.start - timedelta(days=period.start.weekday()),
        Granularity.MONTH: period.start.replace(day=1),
    }[granularity]
    starts: list[date] = []
    while current <= period.end:
        starts.append(current)
        current = _next(current, granularity)
    return starts


def _total(rows: Iterable[repository.SalesRow], model: type[T], **fields: object) -> T:
    """``model`` (a ``SalesTotal``) holding the orders, units and revenue per currency of ``rows``."""
    orders = units = 0
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        orders, units = orders + row.orders, units + row.units
        revenue[row.currency] += row.revenue
    return model(orders=orders, units=units, revenue=dict(sorted(revenue.items())), **fields)


def _by_marketplace(rows: list[repository.SalesRow]) -> dict[Marketplace, list[repository.SalesRow]]:
    found: dict[Marketplace, list[repository.SalesRow]] = defaultdict(list)
    for row in rows:
        found[Marketplace(row.marketplace)].append(row)
    return found


class DashboardService:
    """What the seller's dashboard shows; it writes only the AI credits spent (the sales figures are kept by
    the database's triggers)."""

    async def count_ai_credits(self, scope: Scope, event: AnalysisCompleted) -> None:
        """Add a finished analysis' credits to the day it finished (UTC); a replay or a free (cached) answer
        adds nothing."""
        if event.credits_spent == 0:
            return
        finished = scope.envelope.occurred_at if scope.envelope else datetime.now(UTC)
        day = finished.astimezone(UTC).date()
        await repository.add_ai_credits(scope.session, event.analysis_id, day, event.credits_spent)

    async def summary(self, scope: Scope, period: Period) -> SummaryOut:
        session = scope.session
        statuses = await repository.products_by_status(session)
        states = await repository.listings_by_state(session)
        sell = await repository.sell_through(session, period.start, period.end)
        by_marketplace = _by_marketplace(
            await repository.sales(session, period.start, period.end, None, None)
        )
        products = ProductCounts(
            **{s.value: statuses.get(s.value, 0) for s in ProductStatus}, total=sum(statuses.values())
        )
        listings = [
            ListingCounts(
                marketplace=m,
                **{state: states.get((m.value, state), 0) for state in LISTING_STATES},
                total=sum(n for (mp, _), n in states.items() if mp == m.value),
            )
            for m in Marketplace
        ]
        return SummaryOut(
            period=period,
            products=products,
            listings=listings,
            sell_through=SellThrough(
                listed=sell.listed,
                sold=sell.sold,
                rate=round(sell.sold / sell.listed, 4) if sell.listed else None,
                sold_in_period=sell.sold_in_period,
                median_days_to_sell=round(sell.median_seconds / 86400, 1)
                if sell.median_seconds is not None
                else None,
            ),
            sales=[
                _total(by_marketplace[m], MarketplaceSales, marketplace=m)
                for m in Marketplace
                if m in by_marketplace
            ],
            ai_credits_used=await repository.ai_credits(session, period.start, period.end),
        )

    async def sales(self, scope: Scope, query: SalesQuery) -> SalesOut:
        period, granularity = query.period, query.granularity
        marketplace = query.marketplace.value if query.marketplace else None
        rows = await repository.sales(scope.session, period.start, period.end, granularity, marketplace)
        buckets = bucket_starts(period, granularity)
        found = _by_marketplace(rows)
        shown = [query.marketplace] if query.marketplace else [m for m in Marketplace if m in found]
        series = []
        for m in shown:
            per_bucket: dict[date, list[repository.SalesRow]] = defaultdict(list)
            for row in found.get(m, []):
                assert row.bucket is not None
                per_bucket[row.bucket].append(row)
            points = [_total(per_bucket.get(b, ()), SalesPoint, start=b) for b in buckets]
            series.append(
                SalesSeries(marketplace=m, points=points, total=_total(found.get(m, ()), SalesTotal))
            )
        return SalesOut(
            granularity=granularity,
            period=period,
            marketplace=query.marketplace,
            buckets=buckets,
            series=series,
        )

    async def sales_chart(self, scope: Scope, query: SalesQuery) -> str:
        """The sales over time as a standalone SVG document."""
        return render_sales_chart(await self.sales(scope, query))


dashboard_service = DashboardService()
