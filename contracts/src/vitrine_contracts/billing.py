"""Events of billing-service."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from vitrine_contracts.envelope import Event


class PlanQuotas(BaseModel):
    model_config = ConfigDict(extra="ignore")

    products: int | None = Field(default=None, description="None: unlimited")
    marketplaces: int | None = None
    monthly_credits: int = 0


class SubscriptionChanged(Event):
    """The tenant's plan or its status changed; services enforce the quotas it carries."""

    event_type = "subscription.changed"
    plan: str
    status: str  # active | trialing | past_due | canceled
    quotas: PlanQuotas


class CreditsGranted(Event):
    event_type = "credits.granted"
    balance: int


class CreditsExhausted(Event):
    event_type = "credits.exhausted"
    balance: int
