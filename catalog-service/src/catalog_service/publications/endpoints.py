"""``/products/{id}/publications``: list, publish (with pre-checks), delist; ``/publish-defaults``: the
eBay sites a plain "ebay" publish goes to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from vitrine_contracts.common import Marketplace

from catalog_service.deps import ProductID
from catalog_service.pricing.schemas import EbaySite, PublishDefaultsIn, PublishDefaultsOut
from catalog_service.publications.schemas import PublicationOut, PublishIn
from catalog_service.publications.service import publication_service
from catalog_service.publications.sites import site_service
from catalog_service.scope import RequestScope

router = APIRouter(prefix="/products/{product_id}/publications", tags=["publications"])
defaults_router = APIRouter(prefix="/publish-defaults", tags=["publications"])


@router.get("")
async def list_publications(product_id: ProductID, scope: RequestScope) -> list[PublicationOut]:
    """Where the product is listed (one publication per marketplace, and per site on eBay), how each
    listing is doing and the price it went out at."""
    return await publication_service.list_for(scope, product_id)


@router.post("", status_code=202)
async def publish(product_id: ProductID, body: PublishIn, scope: RequestScope) -> list[PublicationOut]:
    """Check every marketplace's (and eBay site's) requirements — 422 lists every missing piece, an eBay
    site without a connected account included, and every chosen eBay policy that is not the seller's on its
    site — price each listing by the rules (422 when an exchange rate is missing), then request the
    listings."""
    return await publication_service.request(
        scope, product_id, body.marketplaces, body.ebay_sites, dict((body.ebay_policies or {}).items())
    )


@router.delete("/{marketplace}", status_code=202)
async def delist(
    product_id: ProductID,
    marketplace: Marketplace,
    scope: RequestScope,
    site: Annotated[
        EbaySite | None, Query(description="eBay: the site's listing (needed with several)")
    ] = None,
) -> PublicationOut:
    """End the listing on one marketplace (on eBay, on one site)."""
    return await publication_service.delist(scope, product_id, marketplace, site)


@defaults_router.get("")
async def get_defaults(scope: RequestScope) -> PublishDefaultsOut:
    """The seller's default eBay sites, where a plain "ebay" publish goes now, and the accounts per site."""
    return await site_service.show(scope)


@defaults_router.put("")
async def set_defaults(body: PublishDefaultsIn, scope: RequestScope) -> PublishDefaultsOut:
    """Choose the eBay sites a plain "ebay" publish goes to (empty: every site with a connected account)."""
    return await site_service.set_defaults(scope, body)
