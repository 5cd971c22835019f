"""Queries on alerts."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace_vinted.models import Alert, AlertKind


async def open_alerts(session: AsyncSession) -> list[Alert]:
    rows = await session.execute(
        sa.select(Alert).where(Alert.resolved_at.is_(None)).order_by(Alert.created_at)
    )
    return list(rows.scalars())


async def open_subjects(session: AsyncSession, kind: AlertKind) -> set[str | None]:
    rows = await session.execute(
        sa.select(Alert.subject).where(Alert.kind == kind, Alert.resolved_at.is_(None))
    )
    return set(rows.scalars())


async def resolve(session: AsyncSession, *where: sa.ColumnElement[bool]) -> None:
    await session.execute(
        sa.update(Alert).where(Alert.resolved_at.is_(None), *where).values(resolved_at=sa.func.now())
    )
