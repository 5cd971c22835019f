"""Existing eBay listings: see them, link them to products or import them as new ones."""

from __future__ import annotations

from fastapi import APIRouter
from vitrine_kit.auth.deps import TenantPrincipal
from vitrine_kit.db.deps import TenantSession

from marketplace_ebay.accounts.service import account_service
from marketplace_ebay.deps import AccountID, Ebay
from marketplace_ebay.imports.schemas import ImportIn, ImportOut, RemoteListingOut
from marketplace_ebay.imports.service import import_service

router = APIRouter(tags=["import"])


@router.get("/accounts/{account_id}/remote-listings")
async def remote_listings(
    account_id: AccountID, principal: TenantPrincipal, session: TenantSession, ebay: Ebay
) -> list[RemoteListingOut]:
    """The account's live listings on eBay, each marked when Vitrine already knows it."""
    account = await account_service.get(session, account_id)
    return await import_service.remote_listings(session, ebay, principal.tenant, account)


@router.post("/accounts/{account_id}/imports", status_code=202)
async def import_listings(
    account_id: AccountID, body: ImportIn, principal: TenantPrincipal, session: TenantSession, ebay: Ebay
) -> ImportOut:
    """Link each listing to a product, or import it as a new product (catalog does it on the event)."""
    account = await account_service.get(session, account_id)
    return await import_service.import_listings(session, ebay, principal.tenant, account, body)
