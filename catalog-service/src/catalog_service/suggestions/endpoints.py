"""``/products/{id}/suggestions``: the AI's pending values beside the product's, accepted or dismissed."""

from __future__ import annotations

from fastapi import APIRouter, Response
from vitrine_kit.roles import Capability, needs

from catalog_service.deps import IfMatch, ProductID
from catalog_service.products.service import etag, parse_etag
from catalog_service.scope import RequestScope
from catalog_service.suggestions.schemas import DecisionIn, DecisionOut, SuggestionsOut
from catalog_service.suggestions.service import suggestion_service

router = APIRouter(prefix="/products/{product_id}/suggestions", tags=["suggestions"])


@router.get("")
async def list_suggestions(product_id: ProductID, scope: RequestScope) -> SuggestionsOut:
    """Pending suggestions with their confidence and analysis, beside the product's current values."""
    return await suggestion_service.list_for(scope, product_id)


@router.post("/accept", dependencies=needs(Capability.CATALOG_WRITE))
async def accept_suggestions(
    product_id: ProductID, body: DecisionIn, scope: RequestScope, response: Response, if_match: IfMatch = None
) -> DecisionOut:
    """Apply some or all suggestions as one product edit (all or nothing; 422 names a value now refused)."""
    decided = await suggestion_service.accept(scope, product_id, body, parse_etag(if_match))
    response.headers["ETag"] = etag(decided.product)
    return decided


@router.post("/dismiss", dependencies=needs(Capability.CATALOG_WRITE))
async def dismiss_suggestions(product_id: ProductID, body: DecisionIn, scope: RequestScope) -> DecisionOut:
    """Drop some or all suggestions; the product does not change."""
    return await suggestion_service.dismiss(scope, product_id, body)
