"""Existing Etsy listings: see them, link them to products or import them as new ones."""

from __future__ import annotations

from fastapi import APIRouter

from marketplace_etsy.imports.schemas import ImportIn, ImportOut, RemoteListingOut
from marketplace_etsy.imports.service import import_service
from marketplace_etsy.scope import RequestScope

router = APIRouter(tags=["import"])


@router.get("/account/remote-listings")
async def remote_listings(scope: RequestScope) -> list[RemoteListingOut]:
    """The shop's active listings on Etsy, each marked when Vitrine already knows it."""
    return await import_service.remote_listings(scope)


@router.post("/account/imports", status_code=202)
async def import_listings(scope: RequestScope, body: ImportIn) -> ImportOut:
    """Link each listing to a product, or import it as a new product (catalog does it on the event)."""
    return await import_service.import_listings(scope, body)
