"""``/quota``: the plan's product limit and what is used."""

from __future__ import annotations

from fastapi import APIRouter

from catalog_service.quotas.service import QuotaOut, quota_service
from catalog_service.scope import RequestScope

router = APIRouter(tags=["quota"])


@router.get("/quota")
async def read_quota(scope: RequestScope) -> QuotaOut:
    """The product limit of the tenant's plan and the number of products counted against it."""
    return await quota_service.read(scope)
