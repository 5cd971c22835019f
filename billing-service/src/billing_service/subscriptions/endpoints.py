"""``/subscription``: the tenant's plan, its status and quotas."""

from __future__ import annotations

from fastapi import APIRouter

from billing_service.scope import RequestScope
from billing_service.subscriptions.schemas import SubscriptionOut
from billing_service.subscriptions.service import subscription_service

router = APIRouter(tags=["subscription"])


@router.get("/subscription")
async def read_subscription(scope: RequestScope) -> SubscriptionOut:
    """The plan that applies now, its status, the end of the paid period and the plan's quotas."""
    return await subscription_service.read(scope)
