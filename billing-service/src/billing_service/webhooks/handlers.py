"""What each Stripe event does, in its tenant's scope (one transaction with the event's ``processed`` mark).

Each handler is safe to run again and in any order: subscription state is fetched from Stripe, grants are
keyed (a pack per Checkout Session, monthly credits per subscription period and plan). What a handler needs
from Stripe is fetched before the transaction, with no connection held, and handed to it (:class:`Prepared`):
the subscription an event speaks of (:func:`subscription_of`), and the plan of each price a paid invoice
bills (:func:`plans_of_invoice`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from vitrine_contracts.billing import PaymentFailed

from billing_service.accounts.service import account_service
from billing_service.context import BillingContext
from billing_service.credits.service import credit_service
from billing_service.models import Account
from billing_service.plans import repository as plans
from billing_service.plans.service import plan_service
from billing_service.scope import Scope
from billing_service.stripe_api import ENDED
from billing_service.subscriptions.service import Retrieved, subscription_service
from billing_service.subscriptions.stripe_objects import LIVE, InvoiceView, object_id

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    """What an event's handler needs from Stripe, fetched before its transaction with no connection held."""

    subscription: Retrieved | None = None  # the subscription the event speaks of, as Stripe has it now
    plans: Mapping[str, str | None] = field(default_factory=dict)  # price id → plan code (None: no plan)


Handler = Callable[[Scope, dict[str, Any], Prepared], Awaitable[str]]


async def _account(scope: Scope, customer: str | None) -> Account:
    """The tenant's account (made on the fly for a tenant billing has not seen), linked to ``customer``."""
    account = await account_service.lock(scope)
    if customer and account.stripe_customer_id is None:
        account.link_customer(customer)
        await scope.session.flush()
    elif customer and account.stripe_customer_id != customer:
        logger.warning(
            "event names another customer of the tenant",
            extra={"tenant": str(scope.tenant_id), "known": account.stripe_customer_id, "event": customer},
        )
    return account


def subscription_of(event_type: str, obj: dict[str, Any]) -> tuple[str, dict[str, Any] | None] | None:
    """The subscription whose state the event's handler applies, and the event's copy of it if it has one
    (used only if Stripe no longer knows it); ``None`` for a handler that applies none."""
    if event_type.startswith("checkout.session."):
        subscription = object_id(obj.get("subscription")) if obj.get("mode") == "subscription" else None
        return (subscription, None) if subscription else None
    if event_type.startswith("customer.subscription."):
        return str(obj["id"]), obj
    if event_type == "invoice.payment_failed":
        subscription = InvoiceView.of(obj).subscription
        return (subscription, None) if subscription else None
    return None


async def plans_of_invoice(context: BillingContext, invoice: dict[str, Any]) -> dict[str, str | None]:
    """The plan of each price a subscription invoice bills: from our table (a short read), else from Stripe's
    copy of the price, asked with no connection held. A price's plan never changes (Stripe prices are
    immutable and carry it in their metadata), so what is read here holds whenever the event is applied."""
    view = InvoiceView.of(invoice)
    if view.subscription is None:
        return {}
    prices = list(dict.fromkeys(line.price for line in view.lines if line.price is not None))
    plans: dict[str, str | None] = {}
    async with context.db.session() as session:
        for price in prices:
            plans[price], _ = await context.prices.plan_known(session, price)
    for price in prices:  # the session is closed: its connection is back in the pool
        if plans[price] is None:
            plans[price] = await context.prices.plan_from_stripe(price)
    return plans


async def checkout_completed(scope: Scope, session: dict[str, Any], prepared: Prepared) -> str:
    await _account(scope, object_id(session.get("customer")))
    mode = session.get("mode")
    if mode == "subscription":
        if prepared.subscription is None:
            return "subscription checkout without a subscription"
        return await subscription_service.sync(scope, prepared.subscription)
    if mode != "payment":
        return f"checkout mode {mode} not handled"
    if session.get("payment_status") not in ("paid", "no_payment_required"):
        return "payment not settled yet (async_payment_succeeded will say)"
    metadata: dict[str, str] = session.get("metadata") or {}
    code = metadata.get("pack")
    if not code:
        return "payment checkout without a pack"
    pack = await plans.pack(scope.session, code)
    credits = int(metadata.get("credits") or (pack.credits if pack else 0))
    if credits <= 0:
        return f"unknown pack {code}"
    granted = await credit_service.grant_pack(
        scope,
        credits=credits,
        grant_key=f"pack:{session['id']}",
        reference=str(session["id"]),
        note=pack.name if pack else f"{credits} credits",
    )
    return f"pack {code}: {granted} credits" if granted else f"pack {code} already granted"


async def subscription_changed(scope: Scope, subscription: dict[str, Any], prepared: Prepared) -> str:
    await _account(scope, object_id(subscription.get("customer")))
    assert prepared.subscription is not None  # subscription_of names it
    return await subscription_service.sync(scope, prepared.subscription)


async def invoice_paid(scope: Scope, invoice: dict[str, Any], prepared: Prepared) -> str:
    """A paid subscription invoice starts (or upgrades) a period: its monthly credits, once. The plan of each
    line's price was found before the transaction (``prepared.plans``): nothing here waits on Stripe."""
    view = InvoiceView.of(invoice)
    if view.subscription is None:
        return "not a subscription invoice"
    account = await _account(scope, view.customer)
    followed = account.stripe_subscription_id
    if followed and followed != view.subscription and account.stripe_status in LIVE:
        return f"invoice of {view.subscription}, not the subscription followed ({followed})"
    if followed == view.subscription and account.stripe_status in ENDED:
        return f"invoice of {view.subscription}, which has ended"
    granted = 0
    for line in view.lines:
        if line.price is None:
            continue
        code = prepared.plans[line.price]
        if code is None:
            continue
        plan = await plan_service.get(scope.session, code)
        if line.period_line and line.period_start and line.period_end:
            granted += await credit_service.grant_period(
                scope,
                source=view.subscription,
                start=line.period_start,
                end=line.period_end,
                allowance=plan.monthly_credits,
                grant_key=f"period:{view.subscription}:{int(line.period_start.timestamp())}:{plan.code}",
                reference=view.id,
                note=f"{plan.name} plan, period from {line.period_start:%d %b %Y}",
            )
        elif line.proration and line.amount > 0 and line.period_start:
            granted += await credit_service.top_up(
                scope,
                source=view.subscription,
                allowance=plan.monthly_credits,
                at=line.period_start,
                grant_key=f"topup:{view.id}:{plan.code}",
                reference=view.id,
            )
    return f"invoice {view.id} ({view.billing_reason}): {granted} credits"


async def payment_failed(scope: Scope, invoice: dict[str, Any], prepared: Prepared) -> str:
    """The subscription's state from Stripe (past_due), and an event for the seller's alert and e-mail."""
    view = InvoiceView.of(invoice)
    account = await _account(scope, view.customer)
    outcome = "one-off invoice"
    if prepared.subscription is not None:
        outcome = await subscription_service.sync(scope, prepared.subscription)
    scope.emit(
        PaymentFailed(
            plan=account.plan,
            invoice_id=view.id,
            amount_due=view.amount_due,
            currency=view.currency,
            attempt_count=max(1, view.attempt_count),
            next_payment_attempt=view.next_payment_attempt,
            hosted_invoice_url=view.hosted_invoice_url,
        )
    )
    return f"payment failed on {view.id}; {outcome}"


HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": checkout_completed,
    "checkout.session.async_payment_succeeded": checkout_completed,
    "customer.subscription.created": subscription_changed,
    "customer.subscription.updated": subscription_changed,
    "customer.subscription.deleted": subscription_changed,
    "invoice.paid": invoice_paid,
    "invoice.payment_failed": payment_failed,
}
