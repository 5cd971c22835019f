"""Queries on analyses, the answer cache, the tenant's plan, the photos' known hashes (tenant schema) and the job
queue (shared)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit.db.base import utcnow

from ai_service.models import (
    Analysis,
    AnalysisJob,
    AnalysisStatus,
    CacheEntry,
    CreditsState,
    JobState,
    KnownPhoto,
    TenantPlan,
)

IN_FLIGHT = (AnalysisStatus.QUEUED, AnalysisStatus.RUNNING)


async def get(
    session: AsyncSession, analysis_id: uuid.UUID, *, lock: bool = False, fresh: bool = False
) -> Analysis | None:
    """The analysis; ``lock`` FOR UPDATE; ``fresh`` re-reads it even when the session holds it already."""
    query = sa.select(Analysis).where(Analysis.id == analysis_id)
    if lock:
        query = query.with_for_update()
    if fresh:
        query = query.execution_options(populate_existing=True)
    return (await session.scalars(query)).first()


async def by_idempotency_key(session: AsyncSession, key: str) -> Analysis | None:
    return (await session.scalars(sa.select(Analysis).where(Analysis.idempotency_key == key))).first()


async def in_flight(session: AsyncSession, fingerprint: str) -> Analysis | None:
    """A queued or running analysis of the same request whose credits are held (one still being reserved
    may yet be withdrawn with a 402)."""
    query = (
        sa.select(Analysis)
        .where(
            Analysis.fingerprint == fingerprint,
            Analysis.status.in_(IN_FLIGHT),
            Analysis.credits_state == CreditsState.HELD,
        )
        .order_by(Analysis.created_at.desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def latest_for_product(session: AsyncSession, product_id: uuid.UUID) -> Analysis | None:
    query = (
        sa.select(Analysis)
        .where(Analysis.product_id == product_id)
        .order_by(Analysis.created_at.desc(), Analysis.id.desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def page(
    session: AsyncSession,
    *,
    product_id: uuid.UUID | None,
    status: AnalysisStatus | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Analysis]:
    """Newest first; ``after`` is the (created_at, id) of the last row of the previous page."""
    query = sa.select(Analysis).order_by(Analysis.created_at.desc(), Analysis.id.desc()).limit(limit)
    if product_id is not None:
        query = query.where(Analysis.product_id == product_id)
    if status is not None:
        query = query.where(Analysis.status == status)
    if after is not None:
        query = query.where(sa.tuple_(Analysis.created_at, Analysis.id) < sa.tuple_(*after))
    return list((await session.scalars(query)).all())


async def cached(session: AsyncSession, key: str, now: datetime) -> CacheEntry | None:
    query = sa.select(CacheEntry).where(CacheEntry.key == key, CacheEntry.expires_at > now)
    return (await session.scalars(query)).first()


async def count_hit(session: AsyncSession, key: str) -> None:
    await session.execute(sa.update(CacheEntry).where(CacheEntry.key == key).values(hits=CacheEntry.hits + 1))


async def keep(session: AsyncSession, analysis: Analysis, ttl: timedelta) -> None:
    """Cache the analysis's answer under its key (replacing an expired one)."""
    assert analysis.result is not None, "only a completed analysis is cached"
    now = utcnow()
    values = {
        "key": analysis.cache_key,
        "prompt_version": analysis.prompt_version,
        "model": analysis.model,
        "text_model": analysis.text_model,
        "image_hashes": analysis.image_hashes,
        "image_ids": analysis.image_ids,
        "analysis_id": analysis.id,
        "pipeline": analysis.pipeline or "",
        "result": analysis.result,
        "hits": 0,
        "created_at": now,
        "expires_at": now + ttl,
    }
    stmt = insert(CacheEntry).values(values)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[CacheEntry.key],
            set_={k: stmt.excluded[k] for k in values if k != "key"},
        )
    )


async def known_hashes(session: AsyncSession, image_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The content hashes remembered for those of ``image_ids`` media-service resolved before."""
    query = sa.select(KnownPhoto.image_id, KnownPhoto.content_hash).where(KnownPhoto.image_id.in_(image_ids))
    return {row.image_id: row.content_hash for row in await session.execute(query)}


async def remember_hashes(session: AsyncSession, hashes: dict[uuid.UUID, str]) -> None:
    """Keep the hashes media-service gave (in id order, so that two requests never wait on each other)."""
    now = utcnow()
    rows = [{"image_id": i, "content_hash": hashes[i], "seen_at": now} for i in sorted(hashes)]
    stmt = insert(KnownPhoto).values(rows)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[KnownPhoto.image_id],
            set_={"content_hash": stmt.excluded.content_hash, "seen_at": stmt.excluded.seen_at},
        )
    )


async def forget_photo(session: AsyncSession, image_id: uuid.UUID) -> None:
    await session.execute(sa.delete(KnownPhoto).where(KnownPhoto.image_id == image_id))


async def plan(session: AsyncSession) -> TenantPlan | None:
    return await session.get(TenantPlan, 1)


async def set_plan(session: AsyncSession, name: str, photos: int, changed_at: datetime) -> None:
    """Record the plan unless a later change is already recorded (events may arrive out of order)."""
    stmt = insert(TenantPlan).values(id=1, plan=name, photos_per_analysis=photos, changed_at=changed_at)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[TenantPlan.id],
            set_={"plan": name, "photos_per_analysis": photos, "changed_at": changed_at},
            where=TenantPlan.changed_at <= changed_at,
        )
    )


async def claim_jobs(session: AsyncSession, limit: int, lease: timedelta) -> list[AnalysisJob]:
    """Due jobs, leased to this worker: queued ones, ones whose worker died, and credits left to settle."""
    now = utcnow()
    due = sa.or_(
        sa.and_(AnalysisJob.state.in_((JobState.QUEUED, JobState.SETTLING)), AnalysisJob.available_at <= now),
        sa.and_(AnalysisJob.state == JobState.RUNNING, AnalysisJob.lease_until < now),
    )
    query = (
        sa.select(AnalysisJob)
        .where(due)
        .order_by(AnalysisJob.available_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    jobs = list((await session.scalars(query)).all())
    for job in jobs:
        if job.state is JobState.SETTLING:
            job.available_at = now + lease  # not picked again while this worker settles it
        else:
            job.state = JobState.RUNNING
            job.attempts += 1
        job.lease_until = now + lease
    await session.flush()
    return jobs


async def job(session: AsyncSession, analysis_id: uuid.UUID) -> AnalysisJob | None:
    return await session.get(AnalysisJob, analysis_id, with_for_update=True)
