"""Category suggestions and item specifics from eBay's Taxonomy API (no seller token needed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from vitrine_kit.auth.deps import TenantPrincipal

from marketplace_ebay.deps import Ebay
from marketplace_ebay.taxonomy.schemas import (
    AspectsCheckIn,
    AspectsCheckOut,
    AspectsOut,
    CategorySuggestionsOut,
)
from marketplace_ebay.taxonomy.service import taxonomy_service

router = APIRouter(tags=["categories"])
Site = Annotated[str | None, Query(description="EBAY_FR, EBAY_GB…; default from settings")]


@router.get("/categories/suggestions")
async def suggestions(
    _: TenantPrincipal,
    ebay: Ebay,
    q: Annotated[
        str, Query(min_length=2, max_length=350, description="words of the product, e.g. its title")
    ],
    site: Site = None,
) -> CategorySuggestionsOut:
    """eBay's category suggestions on ``site`` for ``q`` (names in the site's language, best first): for a
    product catalog's mapping has no eBay category for."""
    return await taxonomy_service.suggestions(ebay, site, q)


@router.get("/categories/{category_id}/aspects")
async def aspects(_: TenantPrincipal, ebay: Ebay, category_id: str, site: Site = None) -> AspectsOut:
    """The item specifics of a leaf category on ``site``, the required ones named as eBay names them there."""
    return await taxonomy_service.aspects(ebay, site, category_id)


@router.post("/categories/{category_id}/aspects/check")
async def check_aspects(
    _: TenantPrincipal, ebay: Ebay, category_id: str, body: AspectsCheckIn, site: Site = None
) -> AspectsCheckOut:
    """Would a listing with these item specifics pass? 422 ``aspects-missing`` naming every required one absent."""
    await taxonomy_service.check(ebay, site, category_id, body.aspects)
    return AspectsCheckOut(site=site or ebay.settings.default_site, category_id=category_id, missing=[])
