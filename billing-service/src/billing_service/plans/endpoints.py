"""``/plans`` and ``/credit-packs``: the public price list."""

from __future__ import annotations

from fastapi import APIRouter
from vitrine_kit.db.deps import SharedSession

from billing_service.plans.schemas import CreditPackList, PlanList
from billing_service.plans.service import plan_service

router = APIRouter(tags=["plans"])


@router.get("/plans")
async def list_plans(session: SharedSession) -> PlanList:
    """Every plan on sale, with its monthly price and quotas (no token needed)."""
    return await plan_service.list_plans(session)


@router.get("/credit-packs")
async def list_credit_packs(session: SharedSession) -> CreditPackList:
    """One-off packs of AI credits (no token needed)."""
    return await plan_service.list_packs(session)
