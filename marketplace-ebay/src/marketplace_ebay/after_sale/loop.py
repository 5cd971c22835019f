"""The after-sale loop: each account's schedule row is claimed with ``FOR UPDATE SKIP LOCKED`` (held while the
account syncs), so any number of replicas sync each account once per ``after_sale_interval_s``.

A loop owns its transactions (no request or message runner commits for it), hence the commits here.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from vitrine_kit.db.base import utcnow
from vitrine_marketplace import AuthRevoked, MarketplaceError

from marketplace_ebay.accounts import repository as accounts
from marketplace_ebay.after_sale.models import AfterSalePoll
from marketplace_ebay.after_sale.service import after_sale_service
from marketplace_ebay.context import EbayContext
from marketplace_ebay.models import OrderPoll

logger = logging.getLogger(__name__)


async def tick(ebay: EbayContext) -> int:
    """Schedule new accounts, forget removed ones, then sync every due account (up to a batch)."""
    await schedule(ebay)
    done = 0
    while done < ebay.settings.after_sale_batch and await sync_one(ebay):
        done += 1
    return done


async def schedule(ebay: EbayContext) -> None:
    """One schedule row per connected account (two set-based statements, whatever the number of accounts)."""
    async with ebay.db.session() as shared:
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


async def sync_one(ebay: EbayContext) -> bool:
    """Claim one due account (skipping those another replica holds) and sync it; False when none is due."""
    async with ebay.db.session() as shared:
        row = (
            await shared.execute(
                sa.select(AfterSalePoll)
                .where(AfterSalePoll.next_at <= utcnow())
                .order_by(AfterSalePoll.next_at)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
        ).scalar_one_or_none()
        if row is None:
            return False
        started = utcnow()
        try:
            await _sync(ebay, row)
            row.last_error = None
        except (MarketplaceError, AuthRevoked) as exc:
            row.last_error = exc.message[:2000]
            logger.warning(
                "after-sale sync failed", extra={"account": str(row.account_id), "error": exc.message}
            )
        row.last_at = started
        row.next_at = started + timedelta(seconds=ebay.settings.after_sale_interval_s)
        await shared.commit()
    return True


async def _sync(ebay: EbayContext, row: AfterSalePoll) -> None:
    if ebay.tenants is not None and not await ebay.tenants.exists(row.tenant_id):
        return
    async with ebay.db.tenant_session(row.tenant_id) as session:
        account = await accounts.get(session, row.account_id)
        if account is None or account.status != "active":
            return
        released = await after_sale_service.sync(session, ebay, row.tenant_id, account)
        await session.commit()
    if released:
        logger.info("after-sale gave stock back", extra={"account": str(row.account_id), "lines": released})
