"""The reconciliation loop: claims due ``reconciliations`` rows with ``FOR UPDATE SKIP LOCKED`` (held while
the account is reconciled), so any number of replicas reconcile each account once per period.

A loop owns its transactions (no request or message runner commits for it), hence the commits here.
"""

from __future__ import annotations

import logging

from vitrine_kit.db.base import utcnow

from marketplace_ebay.context import EbayContext
from marketplace_ebay.models import Reconciliation
from marketplace_ebay.reconcile.service import reconciler
from marketplace_ebay.schedule import active_account, run_one_due

logger = logging.getLogger(__name__)


async def tick(ebay: EbayContext) -> int:
    """Reconcile every due account (up to a batch per database); returns how many were reconciled here."""
    done = 0
    for database in ebay.db.names:
        here = 0
        while here < ebay.settings.reconcile_batch and await reconcile_one(ebay, database):
            here += 1
        done += here
    return done


async def reconcile_one(ebay: EbayContext, database: str) -> bool:
    """Claim one due account of ``database`` (skipping those another replica holds) and reconcile it; False
    when none is due there."""
    interval = ebay.settings.reconcile_interval_s
    return await run_one_due(
        ebay,
        Reconciliation,
        Reconciliation.next_at,
        interval,
        "reconciliation",
        lambda row: _reconcile(ebay, row),
        database,
    )


async def _reconcile(ebay: EbayContext, row: Reconciliation) -> None:
    started = utcnow()
    async with ebay.db.tenant_session(row.tenant_id) as session:
        account = await active_account(ebay, session, row.tenant_id, row.account_id)
        if account is None:
            return
        ended = await reconciler.listings(session, ebay, row.tenant_id, account)
        cancelled = await reconciler.cancellations(session, ebay, row.tenant_id, account, row.cursor)
        await session.commit()
    row.cursor = started  # the next pass reads cancellations from here
    if ended or cancelled:
        logger.info(
            "reconciled", extra={"account": str(row.account_id), "ended": ended, "cancelled": cancelled}
        )
