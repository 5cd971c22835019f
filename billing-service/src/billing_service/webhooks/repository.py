"""The Stripe webhook inbox: stored once per event id, claimed with ``SKIP LOCKED`` by the worker."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.models import WebhookEvent
from billing_service.models.enums import WebhookStatus


async def store(session: AsyncSession, values: dict[str, Any]) -> bool:
    """``False`` when this event id was stored before."""
    stored = await session.scalar(
        insert(WebhookEvent).values(**values).on_conflict_do_nothing().returning(WebhookEvent.id)
    )
    return stored is not None


async def due(session: AsyncSession, now: datetime, limit: int) -> list[str]:
    """Ids of events waiting to be handled, in the order Stripe made them."""
    rows = await session.scalars(
        sa.select(WebhookEvent.id)
        .where(WebhookEvent.status == WebhookStatus.PENDING, WebhookEvent.next_attempt_at <= now)
        .order_by(WebhookEvent.stripe_created, WebhookEvent.received_at)
        .limit(limit)
    )
    return list(rows)


async def get(session: AsyncSession, event_id: str) -> WebhookEvent | None:
    return await session.get(WebhookEvent, event_id)


async def claim(session: AsyncSession, event_id: str) -> WebhookEvent | None:
    """The event, locked for this transaction, if it still waits and no other worker holds it."""
    return await session.scalar(
        sa.select(WebhookEvent)
        .where(WebhookEvent.id == event_id, WebhookEvent.status == WebhookStatus.PENDING)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
