"""``/dashboard``: the seller's figures (every role that reads the catalog, viewers included)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from vitrine_contracts.common import Marketplace
from vitrine_kit.roles import Capability, needs

from catalog_service.dashboard.schemas import Granularity, SalesOut, SummaryOut
from catalog_service.dashboard.service import SalesQuery, dashboard_service, period_of
from catalog_service.scope import RequestScope

router = APIRouter(prefix="/dashboard", tags=["dashboard"], dependencies=needs(Capability.CATALOG_READ))

From = Annotated[date | None, Query(alias="from", description="First UTC day (default: per granularity)")]
To = Annotated[date | None, Query(alias="to", description="Last UTC day, included (default: today)")]


def sales_query(
    start: From = None,
    end: To = None,
    granularity: Granularity = Granularity.DAY,
    marketplace: Annotated[Marketplace | None, Query(description="One marketplace; all by default")] = None,
) -> SalesQuery:
    return SalesQuery(granularity, period_of(start, end, granularity), marketplace)


SalesParams = Annotated[SalesQuery, Depends(sales_query)]
SVG = "image/svg+xml"


@router.get("/summary")
async def summary(scope: RequestScope, start: From = None, end: To = None) -> SummaryOut:
    """Products per status, listings per marketplace and state, sell-through and sales of the period
    (default: the last 30 days)."""
    return await dashboard_service.summary(scope, period_of(start, end, Granularity.DAY))


@router.get("/sales", response_model=SalesOut)
async def sales(scope: RequestScope, query: SalesParams) -> Response:
    """Orders, units and revenue (per currency) per marketplace and bucket; at most 3 years of days,
    10 years of weeks or months."""
    # Serialised once: thousands of points validated again on the way out cost more than the query.
    body = await dashboard_service.sales(scope, query)
    return Response(body.model_dump_json(), media_type="application/json")


@router.get(
    "/sales.svg",
    response_class=Response,
    responses={200: {"content": {SVG: {"schema": {"type": "string"}}}, "description": "An SVG document"}},
)
async def sales_chart(scope: RequestScope, query: SalesParams) -> Response:
    """The orders of ``/dashboard/sales`` as an SVG line chart, one line per marketplace (for e-mails)."""
    return Response(await dashboard_service.sales_chart(scope, query), media_type=SVG)
