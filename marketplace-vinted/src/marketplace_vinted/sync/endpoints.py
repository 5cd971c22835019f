"""``POST /sync``."""

from __future__ import annotations

from fastapi import APIRouter

from marketplace_vinted.jobs.schemas import JobOut
from marketplace_vinted.scope import RequestScope
from marketplace_vinted.sync.service import sync_service

router = APIRouter(tags=["sync"])


@router.post("/sync", status_code=202)
async def sync(scope: RequestScope) -> list[JobOut]:
    """Sync sales and the wardrobe now (sold items become orders, deleted ones delisted publications)."""
    return await sync_service.request(scope)
