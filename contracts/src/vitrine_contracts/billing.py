"""Events of billing-service."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from vitrine_contracts.envelope import Event


class PlanQuotas(BaseModel):
    model_config = ConfigDict(extra="ignore")

    products: int | None = Field(default=None, description="Products the tenant may keep; None: unlimited")
    marketplaces: int | None = Field(default=None, description="Connected marketplaces; None: unlimited")
    monthly_credits: int = Field(default=0, description="AI credits granted at each period start")
    photos_per_analysis: int = Field(default=5, description="Photos one AI analysis may read")


class SubscriptionStatus(StrEnum):
    """Where the tenant stands with its plan (the free plan is always ``active``)."""

    ACTIVE = "active"
    TRIALING = "trialing"
    PAST_DUE = "past_due"
    CANCELED = "canceled"


class SubscriptionChanged(Event):
    """The tenant's plan or its status changed; services enforce the quotas it carries.

    A canceled or lapsed subscription is announced as the ``free`` plan (``active``) with the free quotas.
    """

    event_type = "subscription.changed"
    plan: str = Field(description="The plan whose quotas apply now")
    status: SubscriptionStatus
    quotas: PlanQuotas
    period_end: datetime | None = Field(
        default=None, description="End of the paid period (None on the free plan)"
    )
    cancel_at_period_end: bool = Field(
        default=False, description="The subscription ends at period_end and the tenant goes back to free"
    )


class CreditKind(StrEnum):
    MONTHLY = "monthly"
    PURCHASED = "purchased"


class CreditsGranted(Event):
    """Credits were added to the tenant's balance (a period's allowance, or a purchased pack)."""

    event_type = "credits.granted"
    balance: int = Field(description="Credits left in all, after the grant")
    kind: CreditKind | None = Field(default=None, description="What was granted")
    amount: int = Field(default=0, description="Credits granted")
    monthly_left: int | None = Field(default=None, description="Credits of the current period left")
    purchased_left: int | None = Field(default=None, description="Purchased credits left")


class CreditsExhausted(Event):
    """The tenant has no credits left, or a reservation was refused for want of credits."""

    event_type = "credits.exhausted"
    balance: int = Field(description="Credits left in all")
    requested: int | None = Field(default=None, description="Credits a refused reservation asked for")


class CreditsLow(Event):
    """The tenant's credits fell below a tenth of its monthly allowance (said once per crossing)."""

    event_type = "credits.low"
    balance: int = Field(description="Credits left in all")
    monthly_allowance: int = Field(description="Credits the plan grants each period")


class PaymentFailed(Event):
    """A subscription payment failed; the seller should update the card (an alert, an e-mail)."""

    event_type = "billing.payment_failed"
    plan: str
    invoice_id: str
    amount_due: int = Field(description="In the currency's minor unit (cents)")
    currency: str
    attempt_count: int = Field(default=1, description="Payment attempts so far")
    next_payment_attempt: datetime | None = Field(
        default=None, description="When Stripe tries again (None: it will not)"
    )
    hosted_invoice_url: str | None = Field(default=None, description="Where the seller can pay the invoice")
