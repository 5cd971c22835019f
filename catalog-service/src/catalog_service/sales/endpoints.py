"""``/orders``: what sold where; ``/alerts``: oversells and failed delists, to see and acknowledge."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from vitrine_contracts.common import Marketplace

from catalog_service.deps import AlertID
from catalog_service.sales.service import AlertOut, OrderOut, sale_service
from catalog_service.scope import RequestScope

router = APIRouter(tags=["sales"])


@router.get("/orders")
async def list_orders(
    scope: RequestScope,
    product_id: uuid.UUID | None = None,
    marketplace: Marketplace | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[OrderOut]:
    """Orders the marketplaces reported, newest first (each once per marketplace and order id)."""
    return await sale_service.orders(scope, product_id, marketplace.value if marketplace else None, limit)


@router.get("/alerts")
async def list_alerts(scope: RequestScope, acknowledged: bool | None = None) -> list[AlertOut]:
    """The newest first; ``acknowledged=false`` for the open ones."""
    return await sale_service.alerts(scope, acknowledged)


@router.post("/alerts/{alert_id}/acknowledge")
async def acknowledge(alert_id: AlertID, scope: RequestScope) -> AlertOut:
    """Mark an alert as seen."""
    return await sale_service.acknowledge(scope, alert_id)
