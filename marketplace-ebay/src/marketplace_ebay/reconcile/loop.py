"""The reconciliation loop: claims due ``reconciliations`` rows with ``FOR UPDATE SKIP LOCKED`` (held while
the account is reconciled), so any number of replicas reconcile each account once per period.

A loop owns its transactions (no request or message runner commits for it), hence the commits here.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from vitrine_kit.db.base import utcnow
from vitrine_marketplace import AuthRevoked, MarketplaceError

from marketplace_ebay.accounts import repository as accounts
from marketplace_ebay.context import EbayContext
from marketplace_ebay.models import Reconciliation
from marketplace_ebay.reconcile.service import reconciler

logger = logging.getLogger(__name__)


async def tick(ebay: EbayContext) -> int:
    """Reconcile every due account (up to a batch); returns how many were reconciled here."""
    done = 0
    while done < ebay.settings.reconcile_batch and await reconcile_one(ebay):
        done += 1
    return done


async def reconcile_one(ebay: EbayContext) -> bool:
    """Claim one due account (skipping those another replica holds) and reconcile it; False when none is due."""
    async with ebay.db.session() as shared:
        row = (
            await shared.execute(
                sa.select(Reconciliation)
                .where(Reconciliation.next_at <= utcnow())
                .order_by(Reconciliation.next_at)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
        ).scalar_one_or_none()
        if row is None:
            return False
        started = utcnow()
        try:
            await _reconcile(ebay, row)
            row.cursor, row.last_error = started, None
        except (MarketplaceError, AuthRevoked) as exc:
            row.last_error = exc.message[:2000]
            logger.warning(
                "reconciliation failed", extra={"account": str(row.account_id), "error": exc.message}
            )
        row.last_at = started
        row.next_at = started + timedelta(seconds=ebay.settings.reconcile_interval_s)
        await shared.commit()
    return True


async def _reconcile(ebay: EbayContext, row: Reconciliation) -> None:
    if ebay.tenants is not None and not await ebay.tenants.exists(row.tenant_id):
        return
    async with ebay.db.tenant_session(row.tenant_id) as session:
        account = await accounts.get(session, row.account_id)
        if account is None or account.status != "active":
            return
        ended = await reconciler.listings(session, ebay, row.tenant_id, account)
        cancelled = await reconciler.cancellations(session, ebay, row.tenant_id, account, row.cursor)
        await session.commit()
    if ended or cancelled:
        logger.info(
            "reconciled", extra={"account": str(row.account_id), "ended": ended, "cancelled": cancelled}
        )
