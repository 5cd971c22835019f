"""The revision loop: leases due ``revisions_due`` rows (``FOR UPDATE SKIP LOCKED``, so any number of
workers take each row once) and sends each product's revises in its tenant's transaction.

The rows are ``colocated``: each database holds those of its tenants, and a tick goes over every database.

The lease is committed before the tenant work: holding the row lock meanwhile would let an edit (which
upserts the row while holding its product's lock) and this loop (which locks the product) wait on each
other across two connections, unseen by PostgreSQL's deadlock detector. A loop owns its transactions (no
request or message runner commits for it), hence the commits here.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from vitrine_kit.db.base import utcnow

from catalog_service.context import CatalogContext
from catalog_service.models import RevisionDue
from catalog_service.revisions.service import revision_service
from catalog_service.scope import Scope

# Listings still being published are revised once they are live: look again after this many windows.
IN_FLIGHT_WINDOWS = 3
# A worker that dies holding a lease leaves its rows due again after this long.
LEASE_S = 60.0


async def tick(ctx: CatalogContext) -> int:
    """Send the revises that are due (a batch per database); returns how many products were handled."""
    handled = 0
    for database in ctx.db.names:
        handled += await _tick_on(ctx, database)
    return handled


async def _tick_on(ctx: CatalogContext, database: str) -> int:
    leased_until = utcnow() + timedelta(seconds=LEASE_S)
    async with ctx.db.database_session(database) as shared:
        due = (
            sa.select(RevisionDue.tenant_id, RevisionDue.product_id)
            .where(RevisionDue.due_at <= utcnow())
            .order_by(RevisionDue.due_at)
            .limit(ctx.settings.revision_batch)
            .with_for_update(skip_locked=True)
        )
        rows = (
            await shared.execute(
                sa.update(RevisionDue)
                .where(sa.tuple_(RevisionDue.tenant_id, RevisionDue.product_id).in_(due))
                .values(due_at=leased_until)
                .returning(RevisionDue.tenant_id, RevisionDue.product_id)
            )
        ).all()
        await shared.commit()
    for tenant_id, product_id in rows:
        again = await _revise(ctx, tenant_id, product_id)
        await _settle(ctx, database, tenant_id, product_id, leased_until, again)
    return len(rows)


async def _revise(ctx: CatalogContext, tenant_id: uuid.UUID, product_id: uuid.UUID) -> bool:
    if ctx.tenants is not None and not await ctx.tenants.exists(tenant_id):
        return False
    async with ctx.db.tenant_session(tenant_id) as session:
        again = await revision_service.revise(
            Scope(session=session, tenant_id=tenant_id, context=ctx), product_id
        )
        await session.commit()
    return again


async def _settle(
    ctx: CatalogContext,
    database: str,
    tenant_id: uuid.UUID,
    product_id: uuid.UUID,
    leased_until: datetime,
    again: bool,
) -> None:
    """Done: remove the row, unless an edit made it due again meanwhile (then it stays, for one more revise)."""
    key = (RevisionDue.tenant_id == tenant_id, RevisionDue.product_id == product_id)
    async with ctx.db.database_session(database) as shared:
        if again:
            later = utcnow() + timedelta(seconds=ctx.settings.revision_window_s * IN_FLIGHT_WINDOWS)
            await shared.execute(
                sa.update(RevisionDue).where(*key, RevisionDue.due_at == leased_until).values(due_at=later)
            )
        else:
            await shared.execute(sa.delete(RevisionDue).where(*key, RevisionDue.due_at == leased_until))
        await shared.commit()
