"""What each fleet event says to the seller: a kind, one sentence, and the ids a UI needs.

Sentences name the product by its title when a publication of it was requested before (``product_titles``),
and the marketplace as sellers write it.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from vitrine_contracts.ai import AnalysisCompleted, AnalysisFailed
from vitrine_contracts.billing import (
    CreditsExhausted,
    CreditsLow,
    PaymentFailed,
    SubscriptionChanged,
    SubscriptionStatus,
)
from vitrine_contracts.catalog import (
    OrderCancelled,
    OrderReceived,
    OversellDetected,
    ProductSold,
    PublicationDelisted,
    PublicationDelistFailed,
    PublicationFailed,
    PublicationRequested,
    PublicationStarted,
    PublicationSucceeded,
)
from vitrine_contracts.marketplace import AccountSessionExpired
from vitrine_contracts.notifications import FeedKind
from vitrine_kit.db.base import utcnow

from notification_service.feed.draft import Draft, name
from notification_service.models import ProductTitle
from notification_service.scope import Scope


def draft(scope: Scope, kind: FeedKind, text: str, **data: Any) -> Draft:
    """A draft of the event being handled (its id and time), without the data fields that are ``None``."""
    envelope = scope.event
    clean = {
        k: (str(v) if isinstance(v, uuid.UUID | Decimal) else v) for k, v in data.items() if v is not None
    }
    return Draft(kind=kind, text=text, occurred_at=envelope.occurred_at, event_id=envelope.id, data=clean)


async def remember_title(scope: Scope, event: PublicationRequested) -> None:
    values = {"title": event.snapshot.title, "updated_at": utcnow()}
    stmt = insert(ProductTitle).values(product_id=event.product_id, **values)
    await scope.session.execute(
        stmt.on_conflict_do_update(index_elements=[ProductTitle.product_id], set_=values)
    )


async def _title(scope: Scope, product_id: uuid.UUID | None) -> str | None:
    if product_id is None:
        return None
    return (
        await scope.session.execute(
            sa.select(ProductTitle.title).where(ProductTitle.product_id == product_id)
        )
    ).scalar()


def _item(title: str | None) -> str:
    return f"“{title}”" if title else "An item"


async def started(scope: Scope, e: PublicationStarted) -> Draft:
    title = await _title(scope, e.product_id)
    text = (
        f"Listing {_item(title)} on {name(e.marketplace)}…"
        if title
        else f"Listing an item on {name(e.marketplace)}…"
    )
    return draft(
        scope,
        FeedKind.PUBLICATION_STARTED,
        text,
        publication_id=e.publication_id,
        product_id=e.product_id,
        marketplace=e.marketplace.value,
        attempt=e.attempt,
        title=title,
    )


async def succeeded(scope: Scope, e: PublicationSucceeded) -> Draft:
    title = await _title(scope, e.product_id)
    done = "was updated" if e.action == "revise" else "is live"
    return draft(
        scope,
        FeedKind.PUBLICATION_SUCCEEDED,
        f"{_item(title)} {done} on {name(e.marketplace)}",
        publication_id=e.publication_id,
        product_id=e.product_id,
        marketplace=e.marketplace.value,
        external_id=e.external_id,
        url=e.url,
        action=e.action,
        title=title,
    )


async def failed(scope: Scope, e: PublicationFailed) -> Draft:
    title = await _title(scope, e.product_id)
    verb = "update" if e.action == "revise" else "list"
    what = f"“{title}”" if title else "an item"
    return draft(
        scope,
        FeedKind.PUBLICATION_FAILED,
        f"Could not {verb} {what} on {name(e.marketplace)}: {e.reason}",
        publication_id=e.publication_id,
        product_id=e.product_id,
        marketplace=e.marketplace.value,
        reason=e.reason,
        code=e.code,
        retryable=e.retryable,
        action=e.action,
        title=title,
    )


async def delisted(scope: Scope, e: PublicationDelisted) -> Draft:
    title = await _title(scope, e.product_id)
    where = name(e.marketplace)
    if e.by == "vitrine":
        text = f"{_item(title)} was removed from {where}"
    elif e.by == "seller_on_marketplace":
        text = f"{_item(title)} was ended on {where} (from {where} itself)"
    else:
        text = f"{where} ended {_item(title) if title else 'a listing'}" + (
            f": {e.reason}" if e.reason else ""
        )
    return draft(
        scope,
        FeedKind.PUBLICATION_DELISTED,
        text,
        publication_id=e.publication_id,
        product_id=e.product_id,
        marketplace=e.marketplace.value,
        by=e.by,
        reason=e.reason,
        title=title,
    )


async def delist_failed(scope: Scope, e: PublicationDelistFailed) -> Draft:
    title = await _title(scope, e.product_id)
    what = f"“{title}”" if title else "a listing"
    return draft(
        scope,
        FeedKind.DELIST_FAILED,
        f"Could not remove {what} from {name(e.marketplace)}: {e.reason}. End it there, or it may sell twice",
        publication_id=e.publication_id,
        product_id=e.product_id,
        marketplace=e.marketplace.value,
        reason=e.reason,
        retryable=e.retryable,
        title=title,
    )


async def sold(scope: Scope, e: ProductSold) -> Draft:
    title = await _title(scope, e.product_id)
    return draft(
        scope,
        FeedKind.PRODUCT_SOLD,
        f"{_item(title)} sold on {name(e.marketplace)}; it is being removed everywhere else",
        product_id=e.product_id,
        marketplace=e.marketplace.value,
        order_id=e.order_id,
        title=title,
    )


async def order(scope: Scope, e: OrderReceived) -> Draft:
    amount = f"{e.price.amount} {e.price.currency}"
    return draft(
        scope,
        FeedKind.ORDER_RECEIVED,
        f"New order on {name(e.marketplace)}: {amount}"
        + (f" for {e.quantity} items" if e.quantity > 1 else ""),
        marketplace=e.marketplace.value,
        order_id=e.order_id,
        line_id=e.line_id,
        publication_id=e.publication_id,
        external_listing_id=e.external_listing_id,
        sku=e.sku,
        quantity=e.quantity,
        amount=str(e.price.amount),
        currency=e.price.currency,
    )


async def order_cancelled(scope: Scope, e: OrderCancelled) -> Draft:
    return draft(
        scope,
        FeedKind.ORDER_CANCELLED,
        f"Order {e.order_id} on {name(e.marketplace)} was {e.reason}; its stock is back",
        marketplace=e.marketplace.value,
        order_id=e.order_id,
        line_id=e.line_id,
        external_listing_id=e.external_listing_id,
        reason=e.reason,
    )


async def oversold(scope: Scope, e: OversellDetected) -> Draft:
    title = await _title(scope, e.product_id)
    return draft(
        scope,
        FeedKind.OVERSELL,
        f"{_item(title)} sold twice: two buyers, one item. Cancel one of the orders",
        product_id=e.product_id,
        alert_id=e.alert_id,
        first_order=e.first_order,
        second_order=e.second_order,
        title=title,
    )


async def session_expired(scope: Scope, e: AccountSessionExpired) -> Draft:
    where = name(e.marketplace)
    keep = f" to keep {e.live_listings} listings in sync" if e.live_listings else ""
    return draft(
        scope,
        FeedKind.SESSION_EXPIRED,
        f"Your {where} connection expired: reconnect {where}{keep}",
        marketplace=e.marketplace.value,
        account_id=e.account_id,
        live_listings=e.live_listings,
    )


async def credits_low(scope: Scope, e: CreditsLow) -> Draft:
    return draft(
        scope,
        FeedKind.CREDITS_LOW,
        f"AI credits are running low: {e.balance} left of {e.monthly_allowance} a month",
        balance=e.balance,
        monthly_allowance=e.monthly_allowance,
    )


async def credits_exhausted(scope: Scope, e: CreditsExhausted) -> Draft:
    return draft(
        scope,
        FeedKind.CREDITS_EXHAUSTED,
        "No AI credits left: photo analyses wait for the next month or a credit pack",
        balance=e.balance,
        requested=e.requested,
    )


async def plan_changed(scope: Scope, e: SubscriptionChanged) -> Draft:
    plan = e.plan.replace("_", " ").title()
    if e.status is SubscriptionStatus.PAST_DUE:
        text = f"Your {plan} plan's payment is overdue"
    elif e.cancel_at_period_end and e.period_end is not None:
        text = f"Your {plan} plan ends on {e.period_end:%d %B %Y}"
    elif e.status is SubscriptionStatus.TRIALING:
        text = f"Your {plan} plan trial has started"
    else:
        text = f"Your plan is now {plan}"
    return draft(
        scope,
        FeedKind.PLAN_CHANGED,
        text,
        plan=e.plan,
        status=e.status.value,
        period_end=e.period_end.isoformat() if e.period_end else None,
        cancel_at_period_end=e.cancel_at_period_end,
    )


async def payment_failed(scope: Scope, e: PaymentFailed) -> Draft:
    amount = f"{Decimal(e.amount_due) / 100:.2f} {e.currency.upper()}"
    plan = e.plan.replace("_", " ").title()
    return draft(
        scope,
        FeedKind.PAYMENT_FAILED,
        f"The payment of {amount} for your {plan} plan failed: update your card",
        plan=e.plan,
        invoice_id=e.invoice_id,
        amount_due=e.amount_due,
        currency=e.currency,
        attempt_count=e.attempt_count,
        next_payment_attempt=e.next_payment_attempt.isoformat() if e.next_payment_attempt else None,
        url=e.hosted_invoice_url,
    )


async def analysis_completed(scope: Scope, e: AnalysisCompleted) -> Draft:
    attrs = e.attributes
    seen = " ".join(t for t in (attrs.brand.text, attrs.category.text) if t)
    return draft(
        scope,
        FeedKind.ANALYSIS_COMPLETED,
        f"Photo analysis ready: {seen}" if seen else "Photo analysis ready",
        analysis_id=e.analysis_id,
        product_id=e.product_id,
        cached=e.cached,
        price=str(e.price.amount) if e.price else None,
        currency=e.price.currency if e.price else None,
    )


async def analysis_failed(scope: Scope, e: AnalysisFailed) -> Draft:
    return draft(
        scope,
        FeedKind.ANALYSIS_FAILED,
        f"Photo analysis failed: {e.reason}",
        analysis_id=e.analysis_id,
        product_id=e.product_id,
        code=e.code,
        reason=e.reason,
        retryable=e.retryable,
    )
