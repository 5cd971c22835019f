"""Reading Stripe's subscriptions and invoices, in the API version the SDK pins and in older shapes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from vitrine_contracts.billing import SubscriptionStatus

# Stripe statuses under which the subscription's plan applies; any other (unpaid, canceled,
# incomplete_expired, paused) puts the tenant back on free, and ``incomplete`` changes nothing yet.
LIVE = {
    "active": SubscriptionStatus.ACTIVE,
    "trialing": SubscriptionStatus.TRIALING,
    "past_due": SubscriptionStatus.PAST_DUE,
}
NOT_YET = {"incomplete"}


def ts(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if value is not None else None


def object_id(value: Any) -> str | None:
    """An expandable field: an id, or the expanded object."""
    if isinstance(value, dict):
        return str(value["id"]) if value.get("id") else None
    return str(value) if value else None


@dataclass(frozen=True)
class SubscriptionState:
    id: str
    customer: str | None
    status: str
    price: str | dict[str, Any] | None
    period_start: datetime | None
    period_end: datetime | None
    cancel_at_period_end: bool
    metadata: dict[str, str]

    @classmethod
    def of(cls, sub: dict[str, Any]) -> SubscriptionState:
        items = (sub.get("items") or {}).get("data") or []
        item = items[0] if items else {}
        # The period moved from the subscription to its items in 2025; read either.
        start = item.get("current_period_start", sub.get("current_period_start"))
        end = item.get("current_period_end", sub.get("current_period_end"))
        # ``cancel_at`` set within the period means the same as cancel_at_period_end.
        cancel_at = sub.get("cancel_at")
        ending = bool(sub.get("cancel_at_period_end")) or (
            cancel_at is not None and end is not None and cancel_at <= end
        )
        return cls(
            id=str(sub["id"]),
            customer=object_id(sub.get("customer")),
            status=str(sub.get("status")),
            price=item.get("price"),
            period_start=ts(start),
            period_end=ts(end),
            cancel_at_period_end=ending and sub.get("status") != "canceled",
            metadata=dict(sub.get("metadata") or {}),
        )

    @property
    def live(self) -> bool:
        return self.status in LIVE


@dataclass(frozen=True)
class InvoiceLine:
    price: str | None
    period_start: datetime | None
    period_end: datetime | None
    amount: int
    proration: bool
    # A line for the subscription's own period (not a proration, not a one-off item).
    period_line: bool


@dataclass(frozen=True)
class InvoiceView:
    id: str
    customer: str | None
    subscription: str | None
    billing_reason: str | None
    amount_due: int
    currency: str
    attempt_count: int
    next_payment_attempt: datetime | None
    hosted_invoice_url: str | None
    metadata: dict[str, str]
    lines: list[InvoiceLine]

    @classmethod
    def of(cls, invoice: dict[str, Any]) -> InvoiceView:
        details = ((invoice.get("parent") or {}).get("subscription_details")) or {}
        subscription = object_id(details.get("subscription")) or object_id(invoice.get("subscription"))
        return cls(
            id=str(invoice["id"]),
            customer=object_id(invoice.get("customer")),
            subscription=subscription,
            billing_reason=invoice.get("billing_reason"),
            amount_due=int(invoice.get("amount_due") or 0),
            currency=str(invoice.get("currency") or ""),
            attempt_count=int(invoice.get("attempt_count") or 0),
            next_payment_attempt=ts(invoice.get("next_payment_attempt")),
            hosted_invoice_url=invoice.get("hosted_invoice_url"),
            metadata=dict(
                details.get("metadata") or invoice.get("subscription_details", {}).get("metadata") or {}
            ),
            lines=[_line(line) for line in ((invoice.get("lines") or {}).get("data") or [])],
        )


def _line(line: dict[str, Any]) -> InvoiceLine:
    pricing = (line.get("pricing") or {}).get("price_details") or {}
    price = object_id(pricing.get("price")) or object_id(line.get("price"))
    parent = line.get("parent") or {}
    if parent:
        item_details = parent.get("subscription_item_details")
        proration = bool((item_details or parent.get("invoice_item_details") or {}).get("proration"))
        period_line = parent.get("type") == "subscription_item_details" and not proration
    else:  # before 2025: ``type`` and ``proration`` on the line itself
        proration = bool(line.get("proration"))
        period_line = line.get("type") == "subscription" and not proration
    period = line.get("period") or {}
    return InvoiceLine(
        price=price,
        period_start=ts(period.get("start")),
        period_end=ts(period.get("end")),
        amount=int(line.get("amount") or 0),
        proration=proration,
        period_line=period_line,
    )
