"""Service-wide tables: what webhooks and cross-tenant workers must find without knowing the tenant.

Plans and packs (the price list), the Stripe price cache, one account per tenant (its Stripe customer and
subscription), its credit balance, the credit reservations (keyed by the caller's key, swept on expiry) and
the Stripe webhook inbox, and the marketplace accounts that hold the plan's marketplace slots.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    column,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_kit.db.base import utcnow

from billing_service.models.base import SharedBase
from billing_service.models.enums import (
    PriceKind,
    ReleaseCause,
    ReservationStatus,
    SubscriptionStatus,
    WebhookStatus,
    enum_column,
)


class Plan(SharedBase):
    """A subscription plan and its quotas; ``None`` limits are unlimited. Prices in cents."""

    __tablename__ = "plans"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    price_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    products: Mapped[int | None] = mapped_column(Integer)
    marketplaces: Mapped[int | None] = mapped_column(Integer)
    monthly_credits: Mapped[int] = mapped_column(Integer)
    photos_per_analysis: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def is_free(self) -> bool:
        return self.price_cents == 0


class CreditPack(SharedBase):
    """A one-off pack of AI credits."""

    __tablename__ = "credit_packs"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    credits: Mapped[int] = mapped_column(Integer)
    price_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class StripePrice(SharedBase):
    """A price made at Stripe for a plan or pack, found again by its lookup key (amount and currency in it)."""

    __tablename__ = "stripe_prices"

    lookup_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    price_id: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[PriceKind] = mapped_column(enum_column(PriceKind, 10))
    code: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Account(SharedBase):
    """A tenant as billing knows it: its Stripe customer (made once) and the state of its subscription."""

    __tablename__ = "accounts"

    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    plan: Mapped[str] = mapped_column(String(40), default="free")
    status: Mapped[SubscriptionStatus] = mapped_column(
        enum_column(SubscriptionStatus), default=SubscriptionStatus.ACTIVE
    )
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(255))
    # Stripe's own word for the subscription (incomplete, unpaid…), kept for support.
    stripe_status: Mapped[str | None] = mapped_column(String(30))
    period_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    period_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_at_period_end: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def link_customer(self, customer_id: str) -> None:
        self.stripe_customer_id = customer_id
        self.updated_at = utcnow()

    def follow(self, subscription_id: str, stripe_status: str) -> None:
        """Track this Stripe subscription (its plan applies once it is live)."""
        self.stripe_subscription_id = subscription_id
        self.stripe_status = stripe_status
        self.updated_at = utcnow()

    def move_to(
        self,
        plan: str,
        status: SubscriptionStatus,
        *,
        period_start: datetime | None,
        period_end: datetime | None,
        cancel_at_period_end: bool,
    ) -> bool:
        """Take the plan and period Stripe says apply; ``True`` if anything other services see changed."""
        seen_before = (self.plan, self.status, self.period_end, self.cancel_at_period_end)
        self.plan = plan
        self.status = status
        self.period_start = period_start
        self.period_end = period_end
        self.cancel_at_period_end = cancel_at_period_end
        self.updated_at = utcnow()
        return seen_before != (plan, status, period_end, cancel_at_period_end)

    def close(self) -> None:
        """The tenant was deleted: keep the row so that its customer's late events are recognised."""
        self.deleted_at = utcnow()
        self.updated_at = self.deleted_at


class Balance(SharedBase):
    """A tenant's credits: this period's allowance left, and purchased credits (which never expire).

    Every change locks this row first (``SELECT … FOR UPDATE``) and the CHECKs forbid a negative balance.
    """

    __tablename__ = "balances"
    __table_args__ = (
        CheckConstraint("monthly_left >= 0", name="monthly_not_negative"),
        CheckConstraint("purchased_left >= 0", name="purchased_not_negative"),
        Index("ix_balances_period_end", "period_end"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.tenant_id", ondelete="CASCADE"), primary_key=True
    )
    monthly_left: Mapped[int] = mapped_column(Integer, default=0)
    purchased_left: Mapped[int] = mapped_column(Integer, default=0)
    # Credits granted for the current period (an upgrade paid mid-period tops up to the new allowance).
    monthly_allowance: Mapped[int] = mapped_column(Integer, default=0)
    period_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    period_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # ``free``, or the subscription whose period it is: periods compare only within one source.
    period_source: Mapped[str | None] = mapped_column(String(255))
    # credits.low and credits.exhausted are said once until the next grant.
    low_notified: Mapped[bool] = mapped_column(Boolean, default=False)
    exhausted_notified: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def total(self) -> int:
        return self.monthly_left + self.purchased_left

    def start_period(self, source: str, start: datetime, end: datetime, allowance: int) -> None:
        """A new period: its whole allowance, in place of what was left of the last one."""
        self.period_source = source
        self.period_start = start
        self.period_end = end
        self.monthly_allowance = allowance
        self.monthly_left = allowance

    def raise_allowance(self, allowance: int, end: datetime) -> None:
        """The same period under a bigger plan: the difference is added."""
        self.monthly_left += allowance - self.monthly_allowance
        self.monthly_allowance = allowance
        self.period_end = max(end, self.period_end or end)


class Reservation(SharedBase):
    """Credits held for a caller's key until it commits or releases them, or they expire."""

    __tablename__ = "reservations"
    __table_args__ = (
        Index("ix_reservations_held_expiry", "expires_at", postgresql_where=column("status") == "held"),
        Index("ix_reservations_tenant", "tenant_id"),
    )

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.tenant_id", ondelete="CASCADE")
    )
    amount: Mapped[int] = mapped_column(Integer)
    from_monthly: Mapped[int] = mapped_column(Integer)
    from_purchased: Mapped[int] = mapped_column(Integer)
    # The balance's period when held: monthly credits held across a reset are not given back.
    period_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[ReservationStatus] = mapped_column(enum_column(ReservationStatus, 12))
    released_by: Mapped[ReleaseCause | None] = mapped_column(enum_column(ReleaseCause, 10))
    reason: Mapped[str] = mapped_column(String(200))
    caller: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookEvent(SharedBase):
    """A Stripe event, stored once per id when it arrives and handled later by the webhook worker."""

    __tablename__ = "stripe_events"
    __table_args__ = (
        Index("ix_stripe_events_due", "next_attempt_at", postgresql_where=column("status") == "pending"),
    )

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    stripe_created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    livemode: Mapped[bool] = mapped_column(Boolean, default=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[WebhookStatus] = mapped_column(
        enum_column(WebhookStatus, 12), default=WebhookStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    # What handling it did or why it was ignored, for support.
    outcome: Mapped[str | None] = mapped_column(Text)
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def data_object(self) -> dict[str, Any]:
        """The Stripe object the event is about, as it was when the event happened."""
        obj: dict[str, Any] = (self.payload.get("data") or {}).get("object") or {}
        return obj

    def mark_processed(self, tenant_id: uuid.UUID, outcome: str) -> None:
        self.status = WebhookStatus.PROCESSED
        self.tenant_id = tenant_id
        self.outcome = outcome[:2000]
        self.processed_at = utcnow()

    def mark_ignored(self, reason: str) -> None:
        self.status = WebhookStatus.IGNORED
        self.outcome = reason[:2000]
        self.processed_at = utcnow()

    def mark_failed_attempt(self, error: str, retry_at: datetime | None) -> None:
        """Count a failed attempt: try again at ``retry_at``, or give up (``None``) and keep it for support."""
        self.attempts += 1
        self.last_error = error[:2000]
        if retry_at is None:
            self.status = WebhookStatus.FAILED
            self.processed_at = utcnow()
        else:
            self.next_attempt_at = retry_at


class MarketplaceSlot(SharedBase):
    """A connected marketplace account; the distinct marketplaces of a tenant's rows count against its plan."""

    __tablename__ = "marketplace_slots"

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("shared.accounts.tenant_id", ondelete="CASCADE"), primary_key=True
    )
    marketplace: Mapped[str] = mapped_column(String(30), primary_key=True)
    account: Mapped[str] = mapped_column(String(200), primary_key=True)
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
