"""``GET /alerts``."""

from __future__ import annotations

from fastapi import APIRouter

from marketplace_vinted.alerts.schemas import AlertOut
from marketplace_vinted.alerts.service import alert_service
from marketplace_vinted.scope import RequestScope

router = APIRouter(tags=["alerts"])


@router.get("/alerts")
async def alerts(scope: RequestScope) -> list[AlertOut]:
    """Open alerts: ``session_expired``, ``delist_waiting_for_plugin``, ``link_failed``."""
    return await alert_service.open(scope)
