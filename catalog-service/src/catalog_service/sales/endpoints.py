"""``/alerts``: oversells and failed delists, for the seller to see and acknowledge."""

from __future__ import annotations

from fastapi import APIRouter

from catalog_service.deps import AlertID
from catalog_service.sales.service import AlertOut, sale_service
from catalog_service.scope import RequestScope

router = APIRouter(prefix="/alerts", tags=["alerts"])


@router.get("")
async def list_alerts(scope: RequestScope, acknowledged: bool | None = None) -> list[AlertOut]:
    """The newest first; ``acknowledged=false`` for the open ones."""
    return await sale_service.alerts(scope, acknowledged)


@router.post("/{alert_id}/acknowledge")
async def acknowledge(alert_id: AlertID, scope: RequestScope) -> AlertOut:
    """Mark an alert as seen."""
    return await sale_service.acknowledge(scope, alert_id)
