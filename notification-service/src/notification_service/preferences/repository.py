"""Queries on a tenant's preferences and digest settings."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts.notifications import FeedKind
from vitrine_kit.db.base import utcnow

from notification_service.models import Delivery, MailSettings, Preference


async def chosen(session: AsyncSession) -> dict[FeedKind, Preference]:
    rows = await session.execute(sa.select(Preference))
    return {p.kind: p for p in rows.scalars()}


async def save(session: AsyncSession, kind: FeedKind, *, email: bool, delivery: Delivery) -> None:
    values = {"email": email, "delivery": delivery, "updated_at": utcnow()}
    stmt = insert(Preference).values(kind=kind, **values)
    await session.execute(stmt.on_conflict_do_update(index_elements=[Preference.kind], set_=values))


async def mail_settings(session: AsyncSession) -> MailSettings | None:
    return await session.get(MailSettings, 1)


async def save_mail_settings(session: AsyncSession, *, digest_hour: int, timezone: str) -> None:
    values = {"digest_hour": digest_hour, "timezone": timezone}
    stmt = insert(MailSettings).values(id=1, **values)
    await session.execute(stmt.on_conflict_do_update(index_elements=[MailSettings.id], set_=values))
