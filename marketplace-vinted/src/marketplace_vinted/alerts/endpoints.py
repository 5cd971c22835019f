"""``GET /alerts``."""

from __future__ import annotations

from fastapi import APIRouter
from vitrine_kit.pagination import Cursor, Limit

from marketplace_vinted.alerts.schemas import AlertPage
from marketplace_vinted.alerts.service import alert_service
from marketplace_vinted.scope import RequestScope

router = APIRouter(tags=["alerts"])


@router.get("/alerts")
async def alerts(scope: RequestScope, limit: Limit = 25, cursor: Cursor = None) -> AlertPage:
    """Open alerts, newest first: ``session_expired``, ``delist_waiting_for_plugin``, ``link_failed``."""
    return await alert_service.open(scope, limit=limit, cursor=cursor)
