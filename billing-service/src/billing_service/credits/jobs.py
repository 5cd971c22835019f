"""Cross-tenant credit work for the background loops: expired holds, and the free plan's monthly allowance.

Candidates are listed without locks; each is then claimed in its tenant's own transaction by locking its
balance row with ``SKIP LOCKED`` and checking again, so two replicas never do the same work twice.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from vitrine_kit.db.tenancy import TenantGone

from billing_service.context import BillingContext
from billing_service.credits import repository
from billing_service.credits.service import credit_service
from billing_service.plans import repository as plans
from billing_service.plans.repository import FREE_PLAN
from billing_service.scope import Scope

logger = logging.getLogger(__name__)


async def _tenant_ready(context: BillingContext, tenant_id: uuid.UUID) -> bool:
    if context.tenants is None:
        return False
    try:
        await context.tenants.ensure(tenant_id)
    except TenantGone:
        return False
    return True


async def release_expired(context: BillingContext, now: datetime) -> int:
    """Give back the credits of holds neither committed nor released in time; returns how many."""
    async with context.db.session() as session:
        due = await repository.expired_holds(session, now, context.settings.loop_batch_size)
    released = 0
    for key, tenant_id in due:
        if not await _tenant_ready(context, tenant_id):
            continue
        async with context.db.tenant_session(tenant_id) as session:
            scope = Scope(session=session, tenant_id=tenant_id, context=context)
            if await credit_service.release_if_expired(scope, key, now):
                await session.commit()
                released += 1
    if released:
        logger.info("expired credit holds released", extra={"count": released})
    return released


async def grant_free_months(context: BillingContext, now: datetime) -> int:
    """The free plan's allowance for tenants whose period is over (once per tenant and month)."""
    async with context.db.session() as session:
        free = await plans.plan(session, FREE_PLAN)
        due = await repository.free_periods_due(session, FREE_PLAN, now, context.settings.loop_batch_size)
    if free is None:
        return 0
    granted = 0
    for tenant_id in due:
        if not await _tenant_ready(context, tenant_id):
            continue
        async with context.db.tenant_session(tenant_id) as session:
            scope = Scope(session=session, tenant_id=tenant_id, context=context)
            if await repository.lock_balance(session, tenant_id, skip_locked=True) is None:
                continue  # another replica is granting it right now
            if await credit_service.grant_free_month(scope, free.monthly_credits, now=now):
                await session.commit()
                granted += 1
    if granted:
        logger.info("free monthly credits granted", extra={"count": granted})
    return granted
