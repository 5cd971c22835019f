"""``/internal/marketplace-slots``: the adapters hold and free the plan's marketplace slots (service tokens)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request
from vitrine_contracts import billing_api as api

from billing_service.deps import SlotsCaller
from billing_service.internal.scope import service_scope
from billing_service.slots.service import slot_service

router = APIRouter(tags=["internal"])

Marketplace = Annotated[str, Path(pattern=r"^[a-z][a-z0-9-]{1,29}$")]
AccountKey = Annotated[str, Path(min_length=1, max_length=200)]


@router.post(api.MARKETPLACE_SLOTS_PATH, responses={402: {}})
async def claim_slot(body: api.SlotRequest, caller: SlotsCaller, request: Request) -> api.MarketplaceSlots:
    """The account may be connected (idempotent); 402 naming the plan and its limit when it may not."""
    async with service_scope(request, body.tenant_id, caller) as scope:
        return await slot_service.claim(scope, body)


@router.delete(api.MARKETPLACE_SLOTS_PATH + "/{tenant_id}/{marketplace}/{account}")
async def release_slot(
    tenant_id: uuid.UUID, marketplace: Marketplace, account: AccountKey, caller: SlotsCaller, request: Request
) -> api.MarketplaceSlots:
    """The account was disconnected (idempotent)."""
    async with service_scope(request, tenant_id, caller) as scope:
        return await slot_service.release(scope, marketplace, account)


@router.get(api.MARKETPLACE_SLOTS_PATH + "/{tenant_id}")
async def read_slots(tenant_id: uuid.UUID, caller: SlotsCaller, request: Request) -> api.MarketplaceSlots:
    """The marketplaces the tenant has connected, against its plan."""
    async with service_scope(request, tenant_id, caller) as scope:
        return await slot_service.read(scope)
