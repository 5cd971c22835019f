"""Work a tenant has waiting for a time (``shared.scheduled``): one row per tenant and task, claimed by one
replica at a time with ``FOR UPDATE SKIP LOCKED`` in the transaction that does the work."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notification_service.models import Scheduled, Task


async def due_at(session: AsyncSession, tenant_id: uuid.UUID, task: Task, at: datetime) -> None:
    """Make ``task`` due at ``at``, or keep it at an earlier time it was already due."""
    stmt = insert(Scheduled).values(tenant_id=tenant_id, task=task, due_at=at)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[Scheduled.tenant_id, Scheduled.task],
            set_={"due_at": sa.func.least(Scheduled.due_at, stmt.excluded.due_at)},
        )
    )


async def move(session: AsyncSession, tenant_id: uuid.UUID, task: Task, at: datetime) -> None:
    """Reschedule ``task`` if it is waiting (the seller changed the digest hour)."""
    await session.execute(
        sa.update(Scheduled).where(Scheduled.tenant_id == tenant_id, Scheduled.task == task).values(due_at=at)
    )


async def due_tenants(session: AsyncSession, task: Task, now: datetime, limit: int) -> Sequence[uuid.UUID]:
    """Tenants whose ``task`` is due (not locked: each is claimed in its own transaction)."""
    rows = await session.execute(
        sa.select(Scheduled.tenant_id)
        .where(Scheduled.task == task, Scheduled.due_at <= now)
        .order_by(Scheduled.due_at)
        .limit(limit)
    )
    return rows.scalars().all()


async def claim(session: AsyncSession, tenant_id: uuid.UUID, task: Task, now: datetime) -> bool:
    """Lock and remove the tenant's due ``task`` for this transaction; ``False`` if another replica has it."""
    row = (
        await session.execute(
            sa.select(Scheduled)
            .where(Scheduled.tenant_id == tenant_id, Scheduled.task == task, Scheduled.due_at <= now)
            .with_for_update(skip_locked=True)
        )
    ).scalar_one_or_none()
    if row is None:
        return False
    await session.delete(row)
    await session.flush()
    return True


async def forget_tenant(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    await session.execute(sa.delete(Scheduled).where(Scheduled.tenant_id == tenant_id))


def next_local_hour(now: datetime, hour: int, zone: ZoneInfo) -> datetime:
    """The first time after ``now`` when it is ``hour``:00 in ``zone``."""
    local = now.astimezone(zone)
    candidate = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if candidate <= local:
        candidate = (candidate + timedelta(days=1)).replace(hour=hour)
    return candidate
