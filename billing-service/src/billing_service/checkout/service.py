"""Stripe Checkout for a plan or a credit pack, and the billing portal.

Nothing here grants a plan or credits: that happens only when Stripe's signed webhooks say it was paid.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from billing_service.accounts.service import account_service
from billing_service.checkout.schemas import CheckoutOut, PortalOut
from billing_service.errors import AlreadySubscribed, NoStripeCustomer, PlanNotPurchasable
from billing_service.plans.service import plan_service
from billing_service.scope import Scope
from billing_service.stripe_api import StripeCallFailed, unavailable
from billing_service.subscriptions.stripe_objects import LIVE


def idempotency_key(scope: Scope, action: str, client_key: str | None) -> str:
    """The Stripe key of one attempt: the client's ``Idempotency-Key`` (a retried click makes one session),
    or a fresh one; tied to the tenant so that two tenants' keys never meet."""
    attempt = client_key or uuid.uuid4().hex
    digest = hashlib.sha256(f"{scope.tenant_id}:{action}:{attempt}".encode()).hexdigest()[:40]
    return f"{action}:{digest}"


class CheckoutService:
    async def subscribe(self, scope: Scope, plan_code: str, client_key: str | None) -> CheckoutOut:
        plan = await plan_service.purchasable(scope.session, plan_code)
        if plan.is_free:
            raise PlanNotPurchasable("The free plan needs no checkout; cancel the paid one in the portal.")
        try:
            customer = await account_service.customer_for(scope)
            account = await account_service.lock(scope)
            if account.stripe_status in LIVE:
                raise AlreadySubscribed(
                    f"You are on the {account.plan} plan; change or cancel it in the billing portal (POST /portal).",
                    portal="/portal",
                    plan=account.plan,
                )
            price = await scope.context.prices.price_for(scope.session, plan)
            metadata = {"tenant_id": str(scope.tenant_id), "plan": plan.code}
            params: dict[str, Any] = {
                **self._common(scope, customer, metadata),
                "mode": "subscription",
                "line_items": [{"price": price, "quantity": 1}],
                "subscription_data": {"metadata": metadata},
            }
            key = idempotency_key(scope, f"checkout-plan-{plan.code}", client_key)
            session_id, url = await scope.context.stripe.create_checkout(params, key)
        except StripeCallFailed as exc:
            raise unavailable(exc) from exc
        return CheckoutOut(url=url, session_id=session_id)

    async def buy_credits(self, scope: Scope, pack_code: str, client_key: str | None) -> CheckoutOut:
        pack = await plan_service.pack(scope.session, pack_code)
        try:
            customer = await account_service.customer_for(scope)
            price = await scope.context.prices.price_for(scope.session, pack)
            # The credits paid for travel with the session: a later change of the pack does not alter them.
            metadata = {"tenant_id": str(scope.tenant_id), "pack": pack.code, "credits": str(pack.credits)}
            params: dict[str, Any] = {
                **self._common(scope, customer, metadata),
                "mode": "payment",
                "line_items": [{"price": price, "quantity": 1}],
                "payment_intent_data": {"metadata": metadata},
            }
            key = idempotency_key(scope, f"checkout-pack-{pack.code}", client_key)
            session_id, url = await scope.context.stripe.create_checkout(params, key)
        except StripeCallFailed as exc:
            raise unavailable(exc) from exc
        return CheckoutOut(url=url, session_id=session_id)

    async def portal(self, scope: Scope, client_key: str | None) -> PortalOut:
        account = await account_service.ensure(scope)
        if account.stripe_customer_id is None:
            raise NoStripeCustomer("There is no payment account yet: subscribe or buy credits first.")
        settings = scope.context.settings
        try:
            url = await scope.context.stripe.create_portal(
                account.stripe_customer_id,
                settings.portal_return_url,
                idempotency_key(scope, "portal", client_key),
            )
        except StripeCallFailed as exc:
            raise unavailable(exc) from exc
        return PortalOut(url=url)

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
