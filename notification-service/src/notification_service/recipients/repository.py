"""Queries on a tenant's recipients and their unsubscriptions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit.db.base import utcnow
from vitrine_kit.roles import Role

from notification_service.models import Recipient, Unsubscription


@dataclass(frozen=True)
class Addressee:
    """An owner with an address, and the topics they unsubscribed from."""

    user_id: uuid.UUID
    email: str
    unsubscribed: frozenset[str]
    language: str | None = None


async def upsert(session: AsyncSession, user_id: uuid.UUID, *, email: str | None, role: str | None) -> None:
    """Record what an event says of a member; what it does not say is kept (events may come in any order)."""
    stmt = insert(Recipient).values(user_id=user_id, email=email, role=role, updated_at=utcnow())
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[Recipient.user_id],
            set_={
                "email": sa.func.coalesce(stmt.excluded.email, Recipient.email),
                "role": sa.func.coalesce(stmt.excluded.role, Recipient.role),
                "updated_at": stmt.excluded.updated_at,
            },
        )
    )


async def set_language(session: AsyncSession, user_id: uuid.UUID, language: str, at: datetime) -> None:
    """Keep ``language`` unless a choice made later is already known (a replayed or late event changes
    nothing); the member's row may not exist yet (events come in any order)."""
    stmt = insert(Recipient).values(user_id=user_id, language=language, language_at=at, updated_at=utcnow())
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[Recipient.user_id],
            set_={
                "language": stmt.excluded.language,
                "language_at": stmt.excluded.language_at,
                "updated_at": stmt.excluded.updated_at,
            },
            where=sa.or_(Recipient.language_at.is_(None), Recipient.language_at < stmt.excluded.language_at),
        )
    )


async def language(session: AsyncSession, user_id: uuid.UUID) -> str | None:
    found = await session.execute(sa.select(Recipient.language).where(Recipient.user_id == user_id))
    return found.scalar()


async def remove(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(sa.delete(Unsubscription).where(Unsubscription.user_id == user_id))
    await session.execute(sa.delete(Recipient).where(Recipient.user_id == user_id))


async def owners(session: AsyncSession) -> list[Addressee]:
    """The owners who have an address, each with their unsubscriptions."""
    rows = (
        await session.execute(
            sa.select(Recipient.user_id, Recipient.email, Recipient.language)
            .where(Recipient.role == Role.OWNER.value, Recipient.email.is_not(None))
            .order_by(Recipient.user_id)
        )
    ).all()
    if not rows:
        return []
    unsubscribed: dict[uuid.UUID, set[str]] = {}
    for user_id, topic in await session.execute(
        sa.select(Unsubscription.user_id, Unsubscription.topic).where(
            Unsubscription.user_id.in_([r.user_id for r in rows])
        )
    ):
        unsubscribed.setdefault(user_id, set()).add(topic)
    return [
        Addressee(r.user_id, r.email, frozenset(unsubscribed.get(r.user_id, ())), r.language) for r in rows
    ]


async def unsubscribe(session: AsyncSession, user_id: uuid.UUID, topic: str) -> None:
    stmt = insert(Unsubscription).values(user_id=user_id, topic=topic, created_at=utcnow())
    await session.execute(stmt.on_conflict_do_nothing())
