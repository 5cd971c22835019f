"""The after-sale loop: each account's schedule row is claimed with ``FOR UPDATE SKIP LOCKED`` (held while the
account syncs), so any number of replicas sync each account once per ``after_sale_interval_s``.

A loop owns its transactions (no request or message runner commits for it), hence the commits here.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from marketplace_ebay.after_sale.models import AfterSalePoll
from marketplace_ebay.after_sale.service import after_sale_service
from marketplace_ebay.context import EbayContext
from marketplace_ebay.models import OrderPoll
from marketplace_ebay.schedule import active_account, run_one_due

logger = logging.getLogger(__name__)


async def tick(ebay: EbayContext) -> int:
    """Schedule new accounts, forget removed ones, then sync every due account (up to a batch per database)."""
    done = 0
    for database in ebay.db.names:
        await schedule(ebay, database)
        here = 0
        while here < ebay.settings.after_sale_batch and await sync_one(ebay, database):
            here += 1
        done += here
    return done


async def schedule(ebay: EbayContext, database: str) -> None:
    """One schedule row per connected account of ``database`` (both tables are colocated: two set-based
    statements per database, whatever the number of accounts)."""
    async with ebay.db.database_session(database) as shared:
        # Every connected account has an order-poll row: the after-sale schedule follows that list.
        await shared.execute(
            insert(AfterSalePoll)
            .from_select(
                ["account_id", "tenant_id", "next_at"],
                sa.select(OrderPoll.account_id, OrderPoll.tenant_id, sa.func.now()),
            )
            .on_conflict_do_nothing()
        )
        await shared.execute(
            sa.delete(AfterSalePoll).where(AfterSalePoll.account_id.not_in(sa.select(OrderPoll.account_id)))
        )
        await shared.commit()


async def sync_one(ebay: EbayContext, database: str) -> bool:
    """Claim one due account of ``database`` (skipping those another replica holds) and sync it; False when
    none is due there."""
    interval = ebay.settings.after_sale_interval_s
    return await run_one_due(
        ebay,
        AfterSalePoll,
        AfterSalePoll.next_at,
        interval,
        "after-sale sync",
        lambda row: _sync(ebay, row),
        database,
    )


async def _sync(ebay: EbayContext, row: AfterSalePoll) -> None:
    async with ebay.db.tenant_session(row.tenant_id) as session:
        account = await active_account(ebay, session, row.tenant_id, row.account_id)
        if account is None:
            return
        released = await after_sale_service.sync(session, ebay, row.tenant_id, account)
        await session.commit()
    if released:
        logger.info("after-sale gave stock back", extra={"account": str(row.account_id), "lines": released})
