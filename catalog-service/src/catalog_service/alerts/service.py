"""The seller's one alert feed: oversells, failed delists and updates, expired marketplace sessions,
listings ended outside Vitrine, cancelled orders, deleted photos, import problems."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import TypeAdapter
from vitrine_kit.db.base import utcnow
from vitrine_kit.pagination import Keyset

from catalog_service.alerts.schemas import AlertKind, AlertOut, AlertPage
from catalog_service.errors import AlertNotFound
from catalog_service.models import Alert
from catalog_service.scope import Scope

# Newest first; the id breaks ties (ix_alerts_created_at backs it).
ORDER = Keyset((Alert.created_at, Alert.id), TypeAdapter(tuple[datetime, uuid.UUID]))


class AlertService:
    async def raise_alert(
        self,
        scope: Scope,
        kind: AlertKind | str,
        product_id: uuid.UUID | None,
        details: dict[str, Any],
        *,
        once_per: dict[str, str] | None = None,
    ) -> Alert | None:
        """Add an alert; with ``once_per``, not while an open one of that kind has those details already."""
        if once_per:
            stmt = sa.select(Alert.id).where(
                Alert.kind == str(kind),
                Alert.acknowledged_at.is_(None),
                *(Alert.details[key].astext == value for key, value in once_per.items()),
            )
            if await scope.session.scalar(stmt.limit(1)) is not None:
                return None
        alert = Alert(id=uuid.uuid4(), kind=str(kind), product_id=product_id, details=details)
        scope.session.add(alert)
        return alert

    async def alerts(
        self,
        scope: Scope,
        acknowledged: bool | None,
        kind: str | None = None,
        *,
        limit: int,
        cursor: str | None = None,
    ) -> AlertPage:
        stmt = sa.select(Alert)
        if acknowledged is not None:
            stmt = stmt.where(
                Alert.acknowledged_at.is_not(None) if acknowledged else Alert.acknowledged_at.is_(None)
            )
        if kind is not None:
            stmt = stmt.where(Alert.kind == kind)
        rows = (await scope.session.scalars(ORDER.select(stmt, limit=limit, cursor=cursor))).all()
        items, next_cursor = ORDER.page(rows, limit)
        return AlertPage(
            items=[AlertOut.model_validate(a, from_attributes=True) for a in items], next_cursor=next_cursor
        )

    async def acknowledge(self, scope: Scope, alert_id: uuid.UUID) -> AlertOut:
        alert = await scope.session.get(Alert, alert_id, with_for_update=True)
        if alert is None:
            raise AlertNotFound()
        alert.acknowledged_at = alert.acknowledged_at or utcnow()
        return AlertOut.model_validate(alert, from_attributes=True)


alert_service = AlertService()
