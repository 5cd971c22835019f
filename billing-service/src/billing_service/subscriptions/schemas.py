"""The tenant's subscription as the seller's API shows it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from vitrine_contracts.billing import PlanQuotas, SubscriptionStatus


class SubscriptionOut(BaseModel):
    plan: str
    status: SubscriptionStatus
    period_end: datetime | None = Field(description="End of the paid period; None on the free plan")
    cancel_at_period_end: bool = Field(
        description="The plan ends at period_end and the tenant goes back to free"
    )
    quotas: PlanQuotas
