"""The tenant's plan, as Stripe's subscription says it is.

State is applied from Stripe's object, fetched again, never from the order in which events arrive: a late
``customer.subscription.updated`` after the ``deleted`` one fetches the canceled subscription and changes
nothing. The fetch happens with no connection held (:meth:`SubscriptionService.retrieve`), after reading
the account's ``updated_at``; the state is applied (:meth:`SubscriptionService.lock_unchanged`, then
:meth:`SubscriptionService.sync`) only if the account, locked, has not changed since, else it is fetched
again. So every state applied was fetched after the previous change committed: two webhooks at once end in
Stripe's newest state, and a state fetched before a newer one was applied never rolls it back. (Stripe's
objects carry no version: a plan change or a ``cancel_at_period_end`` toggled within one period changes none
of their timestamps, so they cannot order two fetches.)
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vitrine_contracts.billing import SubscriptionChanged, SubscriptionStatus
from vitrine_kit.db.base import utcnow

from billing_service.accounts.service import account_service
from billing_service.context import BillingContext
from billing_service.credits.service import credit_service
from billing_service.models import Account
from billing_service.plans.repository import FREE_PLAN
from billing_service.plans.service import plan_service, quotas_of
from billing_service.scope import Scope
from billing_service.stripe_api import StripeCallFailed
from billing_service.subscriptions.schemas import SubscriptionOut
from billing_service.subscriptions.stripe_objects import LIVE, NOT_YET, SubscriptionState

logger = logging.getLogger(__name__)


class AccountChanged(Exception):
    """The account changed between the read before a Stripe fetch and the lock to apply it."""


@dataclass(frozen=True)
class Retrieved:
    """A subscription fetched from Stripe, its plan, and the account's ``updated_at`` read before the fetch."""

    state: SubscriptionState
    plan_code: str | None
    account_version: datetime


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

    async def retrieve(
        self, context: BillingContext, tenant_id: uuid.UUID, subscription_id: str, seen: dict[str, Any] | None
    ) -> Retrieved:
        """Stripe's current state of the subscription and its plan, fetched with no connection held, and the
        account's ``updated_at`` read before (the account is opened first if billing has not seen the
        tenant). ``seen`` (the event's copy) is used only if Stripe no longer knows the subscription."""
        async with context.db.tenant_session(tenant_id) as session:
            account = await account_service.ensure(
                Scope(session=session, tenant_id=tenant_id, context=context)
            )
            version = account.updated_at
            await session.commit()  # commit: a new account is opened; closed before Stripe is called
        try:
            current = await context.stripe.retrieve_subscription(subscription_id)
        except StripeCallFailed as exc:
            if exc.status != 404 or seen is None:
                raise
            current = seen
        state = SubscriptionState.of(current)
        plan_code = None
        if state.live and state.price is not None:
            async with context.db.session() as session:
                plan_code, price_id = await context.prices.plan_known(session, state.price)
            if plan_code is None:
                plan_code = await context.prices.plan_from_stripe(price_id)
            if plan_code is None:
                logger.warning("subscription on a price that is no plan", extra={"subscription": state.id})
        return Retrieved(state, plan_code, version)

    async def lock_unchanged(self, scope: Scope, retrieved: Retrieved) -> Account:
        """The account, locked for this transaction; :class:`AccountChanged` if it changed since
        ``retrieved`` was fetched (another event applied meanwhile: fetch again)."""
        account = await account_service.lock(scope)
        if account.updated_at != retrieved.account_version:
            raise AccountChanged(f"the account changed while {retrieved.state.id} was fetched from Stripe")
        return account

    async def sync(self, scope: Scope, retrieved: Retrieved) -> str:
        """Apply what :meth:`retrieve` fetched (the account locked by :meth:`lock_unchanged` in this
        transaction); returns what was done (for the webhook log)."""
        account = await account_service.lock(scope)
        return await self._apply(scope, account, retrieved.state, retrieved.plan_code)

    async def _apply(
        self, scope: Scope, account: Account, state: SubscriptionState, plan_code: str | None
    ) -> str:
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
