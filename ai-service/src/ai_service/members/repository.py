"""Queries on the tenant's members."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit.db.base import utcnow

from ai_service.models import Member


async def set_owner(session: AsyncSession, user_id: uuid.UUID, owner: bool) -> None:
    stmt = insert(Member).values(user_id=user_id, owner=owner, updated_at=utcnow())
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[Member.user_id],
            set_={"owner": stmt.excluded.owner, "updated_at": stmt.excluded.updated_at},
        )
    )


async def set_language(session: AsyncSession, user_id: uuid.UUID, language: str, at: datetime) -> None:
    """Keep ``language`` unless a choice made later is already recorded (replayed or late events)."""
    stmt = insert(Member).values(user_id=user_id, language=language, language_at=at, updated_at=utcnow())
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[Member.user_id],
            set_={
                "language": stmt.excluded.language,
                "language_at": stmt.excluded.language_at,
                "updated_at": stmt.excluded.updated_at,
            },
            where=sa.or_(Member.language_at.is_(None), Member.language_at < stmt.excluded.language_at),
        )
    )


async def remove(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(sa.delete(Member).where(Member.user_id == user_id))


async def owners_language(session: AsyncSession) -> str | None:
    """The language an owner chose last, if any owner chose one."""
    found = await session.execute(
        sa.select(Member.language)
        .where(Member.owner.is_(True), Member.language.is_not(None))
        .order_by(Member.language_at.desc())
        .limit(1)
    )
    return found.scalar()
