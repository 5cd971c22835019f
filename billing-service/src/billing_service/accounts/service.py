"""A tenant's billing account: made on first sight (free plan, its first allowance) and its Stripe customer."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts.billing import SubscriptionChanged, SubscriptionStatus
from vitrine_kit.db.base import utcnow

from billing_service.accounts import repository
from billing_service.context import BillingContext
from billing_service.credits.service import credit_service
from billing_service.models import Account
from billing_service.plans.service import plan_service, quotas_of
from billing_service.scope import Scope

logger = logging.getLogger(__name__)
# Stripe statuses of a subscription that bills no more.
ENDED = ("canceled", "incomplete_expired")


class AccountService:
    async def ensure(self, scope: Scope) -> Account:
        """The tenant's account; a new one starts on the free plan (announced, with its quotas) and its
        monthly credits."""
        if await repository.create(scope.session, scope.tenant_id):
            free = await plan_service.free(scope.session)
            scope.emit(
                SubscriptionChanged(plan=free.code, status=SubscriptionStatus.ACTIVE, quotas=quotas_of(free))
            )
            await credit_service.start_free_period(scope, free.monthly_credits, at=utcnow())
            logger.info("billing account opened", extra={"tenant": str(scope.tenant_id)})
        return await repository.get(scope.session, scope.tenant_id)

    async def lock(self, scope: Scope) -> Account:
        """The account, locked for this transaction (made first if needed)."""
        await self.ensure(scope)
        return await repository.lock(scope.session, scope.tenant_id)

    async def record_customer(self, scope: Scope, customer_id: str) -> str:
        """Link the Stripe customer made for the tenant (``stripe.create_customer``: its tenant-derived
        idempotency key makes racing requests get the same one) unless another request linked it first;
        returns the customer linked."""
        return await repository.link_customer(scope.session, scope.tenant_id, customer_id)

    async def close(self, session: AsyncSession, context: BillingContext, tenant_id: uuid.UUID) -> None:
        """The tenant was deleted: its subscription is canceled at Stripe (once), its credits go."""
        account = await repository.lock_any(session, tenant_id)
        if account is None or account.deleted_at is not None:
            return
        if account.stripe_subscription_id and account.stripe_status not in ENDED:
            await context.stripe.cancel_subscription(account.stripe_subscription_id)
        account.close()
        await repository.forget_credits(session, tenant_id)
        logger.info("billing account closed", extra={"tenant": str(tenant_id)})


account_service = AccountService()
