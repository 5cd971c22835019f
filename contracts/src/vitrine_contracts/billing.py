"""Events of billing-service."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from vitrine_contracts.envelope import Event


class PlanQuotas(BaseModel):
    model_config = ConfigDict(extra="ignore")

    products: int | None = Field(default=None, description="Products the tenant may keep; None: unlimited")
    marketplaces: int | None = Field(default=None, description="Connected marketplaces; None: unlimited")
    monthly_credits: int = Field(default=0, description="AI credits granted at each period start")
    photos_per_analysis: int = Field(default=5, description="Photos one AI analysis may read")


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
