"""``/products/{id}/publications``: list, publish (with pre-checks), delist."""

from __future__ import annotations

from fastapi import APIRouter
from vitrine_contracts.common import Marketplace

from catalog_service.deps import ProductID
from catalog_service.publications.schemas import PublicationOut, PublishIn
from catalog_service.publications.service import publication_service
from catalog_service.scope import RequestScope

router = APIRouter(prefix="/products/{product_id}/publications", tags=["publications"])


@router.get("")
async def list_publications(product_id: ProductID, scope: RequestScope) -> list[PublicationOut]:
    """Where the product is listed, and how each listing is doing."""
    return await publication_service.list_for(scope, product_id)


@router.post("", status_code=202)
async def publish(product_id: ProductID, body: PublishIn, scope: RequestScope) -> list[PublicationOut]:
    """Check every marketplace's requirements (422 lists every missing piece), then request the listings."""
    return await publication_service.request(scope, product_id, body.marketplaces)


@router.delete("/{marketplace}", status_code=202)
async def delist(product_id: ProductID, marketplace: Marketplace, scope: RequestScope) -> PublicationOut:
    """End the listing on one marketplace."""
    return await publication_service.delist(scope, product_id, marketplace)
