"""``/price-rules`` and ``/exchange-rates``: how listing prices are made from the product's price."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import APIRouter, Path, Query, Response
from vitrine_contracts.common import Marketplace

from catalog_service.errors import RatesUnavailable
from catalog_service.pricing import ecb
from catalog_service.pricing.schemas import (
    Currency,
    EbaySite,
    PriceRuleIn,
    PriceRuleOut,
    RateIn,
    RateOut,
    RatesOut,
    RefreshOut,
)
from catalog_service.pricing.service import pricing_service
from catalog_service.scope import RequestScope

router = APIRouter(tags=["pricing"])
CurrencyPath = Annotated[Currency, Path(description="ISO 4217 code, e.g. GBP")]


@router.get("/price-rules")
async def list_rules(scope: RequestScope) -> list[PriceRuleOut]:
    """Every rule; a marketplace (or eBay site) without one lists at the product's price, converted."""
    return await pricing_service.rules(scope)


@router.put("/price-rules")
async def set_rule(body: PriceRuleIn, scope: RequestScope) -> PriceRuleOut:
    """Create or replace the rule of a marketplace (or of one eBay site); new listings and revises use it."""
    return await pricing_service.set_rule(scope, body)


@router.delete("/price-rules/{marketplace}", status_code=204)
async def delete_rule(
    marketplace: Marketplace,
    scope: RequestScope,
    site: Annotated[EbaySite | None, Query(description="The eBay site's own rule")] = None,
) -> Response:
    await pricing_service.delete_rule(scope, marketplace.value, site)
    return Response(status_code=204)


@router.get("/exchange-rates")
async def list_rates(scope: RequestScope) -> RatesOut:
    """The rates in use (1 EUR = rate), each with its day and source, and ECB's beside the seller's own."""
    return await pricing_service.rates(scope)


@router.put("/exchange-rates/{currency}")
async def set_rate(currency: CurrencyPath, body: RateIn, scope: RequestScope) -> RateOut:
    """Use the seller's own rate for ``currency`` instead of ECB's."""
    return await pricing_service.set_rate(scope, currency, body)


@router.delete("/exchange-rates/{currency}", status_code=204)
async def delete_rate(currency: CurrencyPath, scope: RequestScope) -> Response:
    """Back to ECB's rate for ``currency``."""
    await pricing_service.delete_rate(scope, currency)
    return Response(status_code=204)


@router.post("/exchange-rates/refresh")
async def refresh_rates(scope: RequestScope) -> RefreshOut:
    """Read ECB's reference rates now (they are also read every few hours)."""
    try:
        day, count = await ecb.refresh(scope.context)
    except httpx.HTTPError as exc:
        raise RatesUnavailable(f"{scope.context.settings.ecb_rates_url} did not answer: {exc}") from exc
    except ecb.BadRates as exc:
        raise RatesUnavailable(f"{scope.context.settings.ecb_rates_url} answered {exc}") from exc
    return RefreshOut(rate_date=day, currencies=count)
