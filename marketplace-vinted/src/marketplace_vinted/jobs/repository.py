"""Queries on the job queue (one tenant's schema)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts.relay.v1 import WRITE_KINDS, JobKind
from vitrine_kit.pagination import Keyset

from marketplace_vinted.models import ACTIVE, Job, JobStatus


def _for_publication(publication_id: uuid.UUID) -> sa.ColumnElement[bool]:
    clause: sa.ColumnElement[bool] = Job.context["publication_id"].astext == str(publication_id)
    return clause


async def get_locked(session: AsyncSession, job_id: uuid.UUID) -> Job | None:
    return await session.get(Job, job_id, with_for_update=True)


async def by_key(session: AsyncSession, key: str) -> Job:
    return (await session.execute(sa.select(Job).where(Job.idempotency_key == key))).scalar_one()


async def active_for(session: AsyncSession, kind: JobKind, publication_id: uuid.UUID) -> Job | None:
    """The job of ``kind`` still queued or out for a publication (one at a time)."""
    return (
        await session.execute(
            sa.select(Job)
            .where(Job.kind == kind, Job.status.in_(ACTIVE), _for_publication(publication_id))
            .order_by(Job.created_at.desc())
            .limit(1)
            .with_for_update()
        )
    ).scalar_one_or_none()


# The queue as the seller reads it: newest first, the id breaking ties (ix_jobs_created_at backs it).
NEWEST = Keyset((Job.created_at, Job.id), TypeAdapter(tuple[datetime, uuid.UUID]))


async def latest(
    session: AsyncSession, status: JobStatus | None, *, limit: int, cursor: str | None
) -> tuple[list[Job], str | None]:
    """One page of the queue, newest first, and the cursor of the next."""
    query = sa.select(Job)
    if status is not None:
        query = query.where(Job.status == status)
    rows = (await session.execute(NEWEST.select(query, limit=limit, cursor=cursor))).scalars().all()
    return NEWEST.page(rows, limit)


async def with_key_prefix(session: AsyncSession, prefix: str) -> list[Job]:
    """The jobs whose key is ``prefix`` or ``prefix:…``, newest first."""
    rows = await session.execute(
        sa.select(Job)
        .where(sa.or_(Job.idempotency_key == prefix, Job.idempotency_key.startswith(f"{prefix}:")))
        .order_by(Job.created_at.desc())
    )
    return list(rows.scalars())


async def writes_since(session: AsyncSession, since: datetime) -> int:
    """Writes handed to a plugin since ``since`` (what the hourly budget counts)."""
    return int(
        (
            await session.execute(
                sa.select(sa.func.count())
                .select_from(Job)
                .where(Job.kind.in_(WRITE_KINDS), Job.dispatched_at > since)
            )
        ).scalar_one()
    )


async def write_running(session: AsyncSession) -> bool:
    return bool(
        (
            await session.execute(
                sa.select(sa.func.count())
                .select_from(Job)
                .where(Job.status == JobStatus.DISPATCHED, Job.kind.in_(WRITE_KINDS))
            )
        ).scalar_one()
    )


async def busy_by_device(session: AsyncSession) -> dict[uuid.UUID, int]:
    rows = await session.execute(
        sa.select(Job.device_id, sa.func.count())
        .where(Job.status == JobStatus.DISPATCHED)
        .group_by(Job.device_id)
    )
    return {device: count for device, count in rows.all() if device is not None}


async def due(session: AsyncSession, now: datetime, limit: int = 50) -> list[Job]:
    """Queued jobs whose time has come, most urgent first, locked (SKIP LOCKED: one dispatcher each)."""
    return list(
        (
            await session.execute(
                sa.select(Job)
                .where(Job.status == JobStatus.QUEUED, Job.not_before <= now)
                .order_by(Job.priority, Job.created_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).scalars()
    )


async def next_write(session: AsyncSession, now: datetime) -> Job | None:
    """The publish or update that goes out next if pacing lets one go (one per pass; a read, no lock)."""
    found: Job | None = await session.scalar(
        sa.select(Job)
        .where(
            Job.status == JobStatus.QUEUED,
            Job.not_before <= now,
            Job.kind.in_([JobKind.PUBLISH, JobKind.UPDATE]),
        )
        .order_by(Job.priority, Job.created_at)
        .limit(1)
    )
    return found


async def next_due(session: AsyncSession, now: datetime) -> datetime | None:
    return (
        await session.execute(
            sa.select(sa.func.min(Job.not_before)).where(Job.status == JobStatus.QUEUED, Job.not_before > now)
        )
    ).scalar_one()


async def expire_leases(session: AsyncSession, now: datetime) -> None:
    """Dispatched jobs with no result by the end of their lease go back to the queue."""
    await session.execute(
        sa.update(Job)
        .where(Job.status == JobStatus.DISPATCHED, Job.lease_until < now)
        .values(status=JobStatus.QUEUED)
    )


async def requeue_devices(session: AsyncSession, device_ids: list[uuid.UUID], now: datetime) -> None:
    """What these devices had in flight went with their sockets: deliver it again (same job ids) at once."""
    if device_ids:
        await session.execute(
            sa.update(Job)
            .where(Job.device_id.in_(device_ids), Job.status == JobStatus.DISPATCHED)
            .values(status=JobStatus.QUEUED, not_before=now)
        )


async def waiting_delist_publications(session: AsyncSession) -> set[str]:
    """Publications whose delist is still queued or out."""
    rows = await session.execute(
        sa.select(Job.context["publication_id"].astext).where(
            Job.kind == JobKind.DELIST, Job.status.in_(ACTIVE), Job.context.has_key("publication_id")
        )
    )
    return set(rows.scalars())
