"""``/account``, ``/account/pacing``."""

from __future__ import annotations

from fastapi import APIRouter
from vitrine_kit.roles import Capability, needs

from marketplace_vinted.accounts.schemas import AccountOut, PacingIn, PacingOut
from marketplace_vinted.accounts.service import account_service
from marketplace_vinted.scope import RequestScope

router = APIRouter(tags=["account"])


@router.get("/account")
async def account(scope: RequestScope) -> AccountOut:
    """The Vinted account as the plugin reports it, the plugins online and the remaining write budget."""
    return await account_service.view(scope)


@router.put("/account/pacing", dependencies=needs(Capability.MARKETPLACES_CONNECT))
async def set_pacing(body: PacingIn, scope: RequestScope) -> PacingOut:
    """Change the pacing of this account's writes."""
    return await account_service.set_pacing(scope, body)
