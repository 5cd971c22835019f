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
from billing_service.stripe_api import ENDED

logger = logging.getLogger(__name__)


class SubscriptionFollowedChanged(Exception):
    """The account followed another live subscription after the one canceled for its deletion (a webhook in
    between): the deletion is retried, and its ``prepare`` step cancels that one too."""


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

    async def cancel_for_deletion(self, context: BillingContext, tenant_id: uuid.UUID) -> str | None:
        """The tenant was deleted: cancel its live subscription at Stripe (the ``prepare`` step of
        ``tenant.deleted``: no connection is held while Stripe answers; safe to repeat). Returns the
        subscription canceled or found ended, ``None`` without one."""
        async with context.db.session() as session:
            account = await repository.find(session, tenant_id)
        if account is None or account.deleted_at is not None or not account.stripe_subscription_id:
            return None
        if account.stripe_status not in ENDED:
            status = await context.stripe.cancel_subscription(account.stripe_subscription_id)
            logger.info(
                "subscription canceled for a deleted tenant",
                extra={
                    "tenant": str(tenant_id),
                    "subscription": account.stripe_subscription_id,
                    "status": status,
                },
            )
        return account.stripe_subscription_id

    async def close(self, session: AsyncSession, tenant_id: uuid.UUID, canceled: str | None) -> None:
        """The tenant was deleted (its subscription ``canceled`` at Stripe before, by
        :meth:`cancel_for_deletion`): the account is kept as closed, its credits go."""
        account = await repository.lock_any(session, tenant_id)
        if account is None or account.deleted_at is not None:
            return
        followed = account.stripe_subscription_id
        if followed and followed != canceled and account.stripe_status not in ENDED:
            raise SubscriptionFollowedChanged(f"{followed} followed since {canceled} was canceled")
        account.close()
        await repository.forget_credits(session, tenant_id)
        logger.info("billing account closed", extra={"tenant": str(tenant_id)})


account_service = AccountService()
