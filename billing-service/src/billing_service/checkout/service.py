"""Stripe Checkout for a plan or a credit pack, and the billing portal.

Nothing here grants a plan or credits: that happens only when Stripe's signed webhooks say it was paid.

No database connection is held while Stripe answers (a slow Stripe would otherwise take the pool with it):
the account, the customer and the price are read in a short transaction that is committed (``# commit:``
below) before any call; a customer or price Stripe made is recorded in a second short one, which keeps what
a concurrent request recorded first. What makes this safe without a lock is the idempotency keys: the
customer's is derived from the tenant (two first checkouts at once get one customer), a checkout's from the
client's ``Idempotency-Key`` or, for a plan, from the tenant, the plan and the subscription last followed
(a second tab gets the same session, so two payments cannot make two subscriptions).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from billing_service.accounts.service import account_service
from billing_service.checkout.schemas import CheckoutOut, PortalOut
from billing_service.errors import AlreadySubscribed, NoStripeCustomer, PlanNotPurchasable
from billing_service.models import Account, CreditPack, Plan
from billing_service.plans.service import plan_service
from billing_service.scope import Scope
from billing_service.stripe_api import StripeCallFailed, unavailable
from billing_service.subscriptions.stripe_objects import LIVE


def idempotency_key(
    scope: Scope, action: str, attempt: str | None, params: dict[str, Any] | None = None
) -> str:
    """The Stripe key of one attempt: the client's ``Idempotency-Key`` or another stable ``attempt`` (the
    same session comes back), or a fresh one; tied to the tenant so that two tenants' keys never meet, and
    to the call's parameters, so that a key is never sent again with other ones (Stripe refuses that)."""
    stable = json.dumps(params, sort_keys=True, default=str) if params is not None else ""
    digest = hashlib.sha256(
        f"{scope.tenant_id}:{action}:{attempt or uuid.uuid4().hex}:{stable}".encode()
    ).hexdigest()[:40]
    return f"{action}:{digest}"


class CheckoutService:
    async def subscribe(self, scope: Scope, plan_code: str, client_key: str | None) -> CheckoutOut:
        plan = await plan_service.purchasable(scope.session, plan_code)
        if plan.is_free:
            raise PlanNotPurchasable("The free plan needs no checkout; cancel the paid one in the portal.")
        account = await account_service.ensure(scope)
        if account.stripe_status in LIVE:
            raise AlreadySubscribed(
                f"You are on the {account.plan} plan; change or cancel it in the billing portal (POST /portal).",
                portal="/portal",
                plan=account.plan,
            )
        # Without a client key, the same session until a subscription is followed (paid, or under way).
        attempt = client_key or f"after-{account.stripe_subscription_id or 'none'}"
        customer, price = await self._customer_and_price(scope, account, plan)
        metadata = {"tenant_id": str(scope.tenant_id), "plan": plan.code}
        params: dict[str, Any] = {
            **self._common(scope, customer, metadata),
            "mode": "subscription",
            "line_items": [{"price": price, "quantity": 1}],
            "subscription_data": {"metadata": metadata},
        }
        return await self._checkout(
            scope, params, idempotency_key(scope, f"checkout-plan-{plan.code}", attempt, params)
        )

    async def buy_credits(self, scope: Scope, pack_code: str, client_key: str | None) -> CheckoutOut:
        pack = await plan_service.pack(scope.session, pack_code)
        account = await account_service.ensure(scope)
        customer, price = await self._customer_and_price(scope, account, pack)
        # The credits paid for travel with the session: a later change of the pack does not alter them.
        metadata = {"tenant_id": str(scope.tenant_id), "pack": pack.code, "credits": str(pack.credits)}
        params: dict[str, Any] = {
            **self._common(scope, customer, metadata),
            "mode": "payment",
            "line_items": [{"price": price, "quantity": 1}],
            "payment_intent_data": {"metadata": metadata},
        }
        # Without a client key each click is a purchase of its own (buying a pack twice is allowed).
        key = idempotency_key(scope, f"checkout-pack-{pack.code}", client_key, params)
        return await self._checkout(scope, params, key)

    async def portal(self, scope: Scope, client_key: str | None) -> PortalOut:
        account = await account_service.ensure(scope)
        customer = account.stripe_customer_id
        if customer is None:
            raise NoStripeCustomer("There is no payment account yet: subscribe or buy credits first.")
        await scope.session.commit()  # commit: no connection held while Stripe answers
        settings = scope.context.settings
        try:
            url = await scope.context.stripe.create_portal(
                customer, settings.portal_return_url, idempotency_key(scope, "portal", client_key)
            )
        except StripeCallFailed as exc:
            raise unavailable(exc) from exc
        return PortalOut(url=url)

    async def _customer_and_price(
        self, scope: Scope, account: Account, item: Plan | CreditPack
    ) -> tuple[str, str]:
        """The tenant's Stripe customer and the item's price, each made at Stripe on first use. Read in the
        current transaction, which is committed before Stripe is asked; what Stripe made is recorded in a
        second short transaction (a customer linked meanwhile by a concurrent request is the one kept)."""
        session, stripe, prices = scope.session, scope.context.stripe, scope.context.prices
        customer, price = account.stripe_customer_id, await prices.known(session, item)
        await session.commit()  # commit: no connection held while Stripe answers
        if customer is not None and price is not None:
            return customer, price
        try:
            made_customer = customer or await stripe.create_customer(scope.tenant_id)
            made_price = price or await prices.from_stripe(item)
        except StripeCallFailed as exc:
            raise unavailable(exc) from exc
        if customer is None:
            customer = await account_service.record_customer(scope, made_customer)
        if price is None:
            await prices.remember(session, item, made_price)
        await session.commit()  # commit: recorded before Stripe is asked for the session
        return customer, made_price

    @staticmethod
    async def _checkout(scope: Scope, params: dict[str, Any], key: str) -> CheckoutOut:
        try:
            session_id, url = await scope.context.stripe.create_checkout(params, key)
        except StripeCallFailed as exc:
            raise unavailable(exc) from exc
        return CheckoutOut(url=url, session_id=session_id)

    @staticmethod
    def _common(scope: Scope, customer: str, metadata: dict[str, str]) -> dict[str, Any]:
        settings = scope.context.settings
        return {
            "customer": customer,
            "client_reference_id": str(scope.tenant_id),
            "metadata": metadata,
            "success_url": settings.checkout_success_url,
            "cancel_url": settings.checkout_cancel_url,
        }


checkout_service = CheckoutService()
