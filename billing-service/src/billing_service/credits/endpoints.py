"""``/credits``: the tenant's AI credits and their history."""

from __future__ import annotations

from fastapi import APIRouter
from vitrine_kit.pagination import Cursor

from billing_service.accounts.service import account_service
from billing_service.credits.schemas import CreditsOut
from billing_service.credits.service import credit_service
from billing_service.deps import PageLimit
from billing_service.scope import RequestScope

router = APIRouter(tags=["credits"])


@router.get("/credits")
async def read_credits(scope: RequestScope, limit: PageLimit = 25, cursor: Cursor = None) -> CreditsOut:
    """Monthly credits left (spent first), purchased credits left, the period end, and the history."""
    await account_service.ensure(scope)
    return await credit_service.read(scope, limit=limit, cursor=cursor)
