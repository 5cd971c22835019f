"""``/checkout/…`` and ``/portal``: Stripe's hosted pages for paying and managing the plan."""

from __future__ import annotations

from fastapi import APIRouter
from vitrine_kit.roles import Capability, needs

from billing_service.checkout.schemas import CheckoutOut, CreditsCheckout, PortalOut, SubscriptionCheckout
from billing_service.checkout.service import checkout_service
from billing_service.deps import BillingManager, IdempotencyKey
from billing_service.scope import RequestScope

router = APIRouter(tags=["checkout"])


@router.post("/checkout/subscription", status_code=201, dependencies=needs(Capability.BILLING_MANAGE))
async def checkout_subscription(
    body: SubscriptionCheckout, scope: RequestScope, _: BillingManager, idempotency_key: IdempotencyKey = None
) -> CheckoutOut:
    """A Checkout Session for a paid plan; 409 ``already-subscribed`` when one runs (use the portal)."""
    return await checkout_service.subscribe(scope, body.plan, idempotency_key)


@router.post("/checkout/credits", status_code=201, dependencies=needs(Capability.BILLING_MANAGE))
async def checkout_credits(
    body: CreditsCheckout, scope: RequestScope, _: BillingManager, idempotency_key: IdempotencyKey = None
) -> CheckoutOut:
    """A Checkout Session for a credit pack (credits are added when Stripe confirms the payment)."""
    return await checkout_service.buy_credits(scope, body.pack, idempotency_key)


@router.post("/portal", dependencies=needs(Capability.BILLING_MANAGE))
async def portal(scope: RequestScope, _: BillingManager, idempotency_key: IdempotencyKey = None) -> PortalOut:
    """Stripe's billing portal for this tenant: card, plan change, cancellation, invoices."""
    return await checkout_service.portal(scope, idempotency_key)
