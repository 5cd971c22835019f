"""``POST /items/{id}/import``."""

from __future__ import annotations

from fastapi import APIRouter

from marketplace_vinted.deps import VintedItemID
from marketplace_vinted.imports.service import import_service
from marketplace_vinted.jobs.schemas import JobOut
from marketplace_vinted.scope import RequestScope

router = APIRouter(tags=["imports"])


@router.post("/items/{vinted_item_id}/import", status_code=202)
async def import_item(vinted_item_id: VintedItemID, scope: RequestScope) -> JobOut:
    """Import an item already on Vinted as a new product (emits ``vinted.item.imported`` with its photos)."""
    return await import_service.request(scope, vinted_item_id)
