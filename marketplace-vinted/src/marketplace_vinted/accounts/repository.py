"""The tenant's one account row."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit.db.base import utcnow

from marketplace_vinted.config import Settings
from marketplace_vinted.models import VintedAccount

ACCOUNT_NS = uuid.UUID("6f1d0c1e-5b7a-4e57-9a55-1d2b0f7c9a10")  # account id = uuid5(ACCOUNT_NS, tenant id)


def account_id(tenant_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(ACCOUNT_NS, str(tenant_id))


async def locked(session: AsyncSession, tenant_id: uuid.UUID, settings: Settings) -> VintedAccount:
    """The account row, locked; made on first use with the default pacing (its id is derived from the
    tenant, so two transactions making it at once end with one row)."""
    await session.execute(
        insert(VintedAccount)
        .values(
            id=account_id(tenant_id),
            logged_in=False,
            writes_per_hour=settings.writes_per_hour,
            min_gap_s=settings.min_gap_s,
            max_gap_s=settings.max_gap_s,
            pause_every=settings.pause_every,
            pause_s=settings.pause_s,
            writes_since_pause=0,
            next_write_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["id"])
    )
    return (
        await session.execute(
            sa.select(VintedAccount)
            .where(VintedAccount.id == account_id(tenant_id))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
