"""``/alerts``: everything the seller must see, from every marketplace, acknowledged in one place."""

from __future__ import annotations

from fastapi import APIRouter
from vitrine_kit.pagination import Cursor, Limit

from catalog_service.alerts.schemas import AlertKind, AlertOut, AlertPage
from catalog_service.alerts.service import alert_service
from catalog_service.deps import AlertID
from catalog_service.scope import RequestScope

router = APIRouter(tags=["alerts"])


@router.get("/alerts")
async def list_alerts(
    scope: RequestScope,
    acknowledged: bool | None = None,
    kind: AlertKind | None = None,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> AlertPage:
    """The newest first; ``acknowledged=false`` for the open ones, ``kind`` for one sort."""
    return await alert_service.alerts(
        scope, acknowledged, kind.value if kind else None, limit=limit, cursor=cursor
    )


@router.post("/alerts/{alert_id}/acknowledge")
async def acknowledge(alert_id: AlertID, scope: RequestScope) -> AlertOut:
    """Mark an alert as seen."""
    return await alert_service.acknowledge(scope, alert_id)
