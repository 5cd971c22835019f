"""``GET /listings``, ``POST /items/{id}/link``."""

from __future__ import annotations

from fastapi import APIRouter, Response
from vitrine_kit.pagination import Cursor, Limit

from marketplace_vinted.deps import VintedItemID
from marketplace_vinted.listings.schemas import LinkIn, ListingOut, ListingPage
from marketplace_vinted.listings.service import listing_service
from marketplace_vinted.scope import RequestScope

router = APIRouter(tags=["listings"])


@router.get("/listings")
async def listings(scope: RequestScope, limit: Limit = 25, cursor: Cursor = None) -> ListingPage:
    """Every Vinted item Vitrine knows, newest first: published, linked, sold, delisted."""
    return await listing_service.page(scope, limit=limit, cursor=cursor)


@router.post(
    "/items/{vinted_item_id}/link",
    status_code=201,
    responses={200: {"model": ListingOut, "description": "Linked already: the same listing"}},
)
async def link_item(
    vinted_item_id: VintedItemID, body: LinkIn, scope: RequestScope, response: Response
) -> ListingOut:
    """Link an item already on Vinted to a product (201; 200 when it is linked already; 409 when the item or
    the product is linked to another). The plugin checks the item, then catalog records the publication."""
    listing, created = await listing_service.link(scope, vinted_item_id, body)
    response.status_code = 201 if created else 200
    return listing
