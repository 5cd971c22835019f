"""The credit balance and its history as the seller's API shows them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from vitrine_kit.pagination import Page

from billing_service.models.enums import LedgerKind


class LedgerEntryOut(BaseModel):
    kind: LedgerKind
    monthly_delta: int
    purchased_delta: int
    monthly_after: int
    purchased_after: int
    reference: str | None = Field(description="The reservation key, invoice or checkout session behind it")
    note: str
    created_at: datetime


class LedgerPage(Page[LedgerEntryOut]):
    """Ledger entries, newest first; ``next_cursor`` pages to older ones."""


class CreditsOut(BaseModel):
    monthly_left: int = Field(description="Credits of the current period left (spent first)")
    purchased_left: int = Field(description="Purchased credits left (they do not expire)")
    total: int
    monthly_allowance: int = Field(description="Credits granted for the current period")
    period_start: datetime | None
    period_end: datetime | None = Field(description="When the monthly credits reset")
    history: LedgerPage
