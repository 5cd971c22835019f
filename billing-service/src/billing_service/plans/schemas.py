"""Plans and credit packs as the public API shows them (amounts in cents)."""

from __future__ import annotations

from pydantic import BaseModel, Field
from vitrine_contracts.billing import PlanQuotas


class PlanOut(BaseModel):
    code: str
    name: str
    price_cents: int = Field(description="Per month, in the currency's minor unit")
    currency: str
    quotas: PlanQuotas


class PlanList(BaseModel):
    plans: list[PlanOut]


class CreditPackOut(BaseModel):
    code: str
    name: str
    credits: int
    price_cents: int = Field(description="One-off, in the currency's minor unit")
    currency: str


class CreditPackList(BaseModel):
    packs: list[CreditPackOut]
