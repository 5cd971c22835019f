"""Queries on alerts."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit.pagination import Keyset

from marketplace_vinted.models import Alert, AlertKind

# Newest first, the id breaking ties (ix_alerts_created_at backs it).
NEWEST = Keyset((Alert.created_at, Alert.id), TypeAdapter(tuple[datetime, uuid.UUID]))


async def open_alerts(
    session: AsyncSession, *, limit: int, cursor: str | None
) -> tuple[list[Alert], str | None]:
    """One page of the open alerts, newest first, and the cursor of the next."""
    query = NEWEST.select(sa.select(Alert).where(Alert.resolved_at.is_(None)), limit=limit, cursor=cursor)
    return NEWEST.page((await session.execute(query)).scalars().all(), limit)


async def open_subjects(session: AsyncSession, kind: AlertKind) -> set[str | None]:
    rows = await session.execute(
        sa.select(Alert.subject).where(Alert.kind == kind, Alert.resolved_at.is_(None))
    )
    return set(rows.scalars())


async def resolve(session: AsyncSession, *where: sa.ColumnElement[bool]) -> None:
    await session.execute(
        sa.update(Alert).where(Alert.resolved_at.is_(None), *where).values(resolved_at=sa.func.now())
    )
