"""Per-account work on a schedule table, once per period across any number of replicas.

A due row is claimed with ``FOR UPDATE SKIP LOCKED`` and held while its account's work runs, so two replicas
never work on one account at once; the row then records when it ran, what failed, and when it is due again.
A loop owns its transactions (no request or message runner commits for it), hence the commits here.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from vitrine_kit.db.base import utcnow
from vitrine_marketplace import AuthRevoked, MarketplaceError

from marketplace_ebay.accounts import repository as accounts
from marketplace_ebay.context import EbayContext
from marketplace_ebay.models import EbayAccount

logger = logging.getLogger(__name__)


class ScheduleRow(Protocol):
    account_id: uuid.UUID
    tenant_id: uuid.UUID
    next_at: datetime
    last_at: datetime | None
    last_error: str | None


R = TypeVar("R", bound=ScheduleRow)


async def run_one_due(
    ebay: EbayContext,
    table: type[R],
    due: InstrumentedAttribute[datetime],
    interval_s: float,
    what: str,
    work: Callable[[R], Awaitable[None]],
    database: str,
) -> bool:
    """Claim one due row of ``table`` in ``database`` (its rows are colocated: each database holds those of
    its tenants), skipping those another replica holds, and run ``work`` on it; False when none is due there.
    A marketplace failure is recorded on the row and logged; the row is due again after ``interval_s`` either
    way."""
    async with ebay.db.database_session(database) as shared:
        row = (
            await shared.execute(
                sa.select(table)
                .where(due <= utcnow())
                .order_by(due)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
        ).scalar_one_or_none()
        if row is None:
            return False
        started = utcnow()
        try:
            await work(row)
            row.last_error = None
        except (MarketplaceError, AuthRevoked) as exc:
            row.last_error = exc.message[:2000]
            logger.warning(f"{what} failed", extra={"account": str(row.account_id), "error": exc.message})
        row.last_at = started
        row.next_at = started + timedelta(seconds=interval_s)
        await shared.commit()  # commit: the claim, the outcome and the next due time of this account
    return True


async def active_account(
    ebay: EbayContext, session: AsyncSession, tenant_id: uuid.UUID, account_id: uuid.UUID
) -> EbayAccount | None:
    """The account to work on, or None when its tenant is gone or it is not active any more."""
    if ebay.tenants is not None and not await ebay.tenants.exists(tenant_id):
        return None
    account = await accounts.get(session, account_id)
    return account if account is not None and account.status == "active" else None
