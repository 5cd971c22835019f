"""The tenant's plan, as Stripe's subscription says it is.

State is applied from Stripe's object, fetched again under the account's row lock, never from the order in
which events arrive: a late ``customer.subscription.updated`` after the ``deleted`` one fetches the canceled
subscription and changes nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from vitrine_contracts.billing import SubscriptionChanged, SubscriptionStatus
from vitrine_kit.db.base import utcnow

from billing_service.accounts.service import account_service
from billing_service.credits.service import credit_service
from billing_service.models import Account
from billing_service.plans.repository import FREE_PLAN
from billing_service.plans.service import plan_service, quotas_of
from billing_service.scope import Scope
from billing_service.stripe_api import StripeCallFailed
from billing_service.subscriptions.schemas import SubscriptionOut
from billing_service.subscriptions.stripe_objects import LIVE, NOT_YET, SubscriptionState

logger = logging.getLogger(__name__)


class SubscriptionService:
    async def read(self, scope: Scope) -> SubscriptionOut:
        account = await account_service.ensure(scope)
        plan = await plan_service.get(scope.session, account.plan)
        return SubscriptionOut(
            plan=account.plan,
            status=account.status,
            period_end=account.period_end,
            cancel_at_period_end=account.cancel_at_period_end,
            quotas=quotas_of(plan),
        )

    async def sync(self, scope: Scope, subscription_id: str, seen: dict[str, Any] | None = None) -> str:
        """Apply Stripe's current state of the subscription; returns what was done (for the webhook log).

        ``seen`` (the event's copy) is used only if Stripe no longer knows the subscription.
        """
        account = await account_service.lock(scope)
        try:
            current = await scope.context.stripe.retrieve_subscription(subscription_id)
        except StripeCallFailed as exc:
            if exc.status != 404 or seen is None:
                raise
            current = seen
        return await self._apply(scope, account, SubscriptionState.of(current))

    async def _apply(self, scope: Scope, account: Account, state: SubscriptionState) -> str:
        followed = account.stripe_subscription_id
        if followed and followed != state.id and account.stripe_status in LIVE:
            if state.live:
                # Two checkouts completed at once: the first stays; support refunds the second.
                logger.warning(
                    "second live subscription ignored",
                    extra={"tenant": str(scope.tenant_id), "kept": followed, "ignored": state.id},
                )
                return f"second live subscription {state.id} ignored; {followed} kept"
            return f"subscription {state.id} is not the one followed ({followed})"
        account.follow(state.id, state.status)
        if state.status in NOT_YET:
            await scope.session.flush()
            return f"subscription {state.id} waits for its first payment"
        plan_code = None
        if state.live and state.price is not None:
            plan_code = await scope.context.prices.plan_of_price(scope.session, state.price)
            if plan_code is None:
                logger.warning("subscription on a price that is no plan", extra={"subscription": state.id})
        was_paid = account.plan != FREE_PLAN
        if state.live and plan_code is not None:
            plan = await plan_service.get(scope.session, plan_code)
            changed = account.move_to(
                plan.code,
                LIVE[state.status],
                period_start=state.period_start,
                period_end=state.period_end,
                cancel_at_period_end=state.cancel_at_period_end,
            )
        else:
            plan = await plan_service.free(scope.session)
            changed = account.move_to(
                plan.code,
                SubscriptionStatus.ACTIVE,
                period_start=None,
                period_end=None,
                cancel_at_period_end=False,
            )
        if changed:
            scope.emit(
                SubscriptionChanged(
                    plan=plan.code,
                    status=account.status,
                    quotas=quotas_of(plan),
                    period_end=account.period_end,
                    cancel_at_period_end=account.cancel_at_period_end,
                )
            )
        if was_paid and plan.code == FREE_PLAN:
            # Back on free: its allowance starts now; what was left of the paid period lapses.
            await credit_service.start_free_period(scope, plan.monthly_credits, at=utcnow())
        await scope.session.flush()
        return f"{state.id} {state.status}: plan {account.plan} ({account.status})" + (
            "" if changed else ", unchanged"
        )


subscription_service = SubscriptionService()
