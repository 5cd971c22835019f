"""Queries on a tenant's feed (a tenant-bound session)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notification_service.feed.draft import Draft
from notification_service.models import FeedCounter, FeedItem


def _next_id() -> sa.CTE:
    # The counter row stays locked until the transaction ends, so ids commit in the order they are given.
    return (
        insert(FeedCounter)
        .values(id=1, last_id=1)
        .on_conflict_do_update(index_elements=[FeedCounter.id], set_={"last_id": FeedCounter.last_id + 1})
        .returning(FeedCounter.last_id)
        .cte("next_id")
    )


async def add(session: AsyncSession, draft: Draft, *, now: datetime) -> int | None:
    """Store ``draft`` under the tenant's next id, in one round trip; ``None`` when an item of its event is
    already there (the id is then left unused)."""
    next_id = _next_id()
    columns = FeedItem.__table__.c
    values = {
        "event_id": draft.event_id,
        "kind": draft.kind,
        "occurred_at": draft.occurred_at,
        "text": draft.text,
        "urgent": draft.urgent,
        "data": draft.data,
        "created_at": now,
    }
    select = sa.select(
        next_id.c.last_id, *(sa.bindparam(k, v, type_=columns[k].type) for k, v in values.items())
    )
    stmt = (
        insert(FeedItem).from_select(["id", *values], select).on_conflict_do_nothing().returning(FeedItem.id)
    )
    return (await session.execute(stmt)).scalar()


async def last_id(session: AsyncSession) -> int:
    """The id of the newest item ever given (0 before the first)."""
    value = (await session.execute(sa.select(FeedCounter.last_id).where(FeedCounter.id == 1))).scalar()
    return int(value or 0)


async def after(session: AsyncSession, after_id: int, *, since: datetime, limit: int) -> Sequence[FeedItem]:
    """Items with an id above ``after_id`` kept since ``since``, oldest first."""
    rows = await session.execute(
        sa.select(FeedItem)
        .where(FeedItem.id > after_id, FeedItem.created_at >= since)
        .order_by(FeedItem.id)
        .limit(limit)
    )
    return rows.scalars().all()


async def latest(session: AsyncSession, *, since: datetime, limit: int) -> Sequence[FeedItem]:
    """The newest ``limit`` items kept since ``since``, oldest first."""
    rows = await session.execute(
        sa.select(FeedItem).where(FeedItem.created_at >= since).order_by(FeedItem.id.desc()).limit(limit)
    )
    return list(reversed(rows.scalars().all()))


async def oldest_id(session: AsyncSession, *, since: datetime) -> int | None:
    """The id of the oldest item still kept."""
    return (
        await session.execute(sa.select(sa.func.min(FeedItem.id)).where(FeedItem.created_at >= since))
    ).scalar()


async def prune(session: AsyncSession, *, below_id: int, before: datetime) -> None:
    """Forget items older than the history keeps (by count and by age)."""
    await session.execute(
        sa.delete(FeedItem).where(sa.or_(FeedItem.id < below_id, FeedItem.created_at < before))
    )


def lost(after: int, *, newest: int, oldest: int | None) -> bool:
    """Whether items after ``after`` are no longer kept (pruned, or ``after`` is not an id of this feed)."""
    if after > newest:
        return True
    if after == 0:
        return False
    return newest > after if oldest is None else after < oldest - 1
