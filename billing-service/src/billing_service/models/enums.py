"""The statuses and kinds the tables hold (stored as their string values)."""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa
from vitrine_contracts.billing import SubscriptionStatus
from vitrine_contracts.billing_api import ReservationStatus

__all__ = [
    "LedgerKind",
    "PriceKind",
    "ReleaseCause",
    "ReservationStatus",
    "SubscriptionStatus",
    "WebhookStatus",
    "enum_column",
]


class LedgerKind(StrEnum):
    GRANT_MONTHLY = "grant_monthly"
    GRANT_PURCHASED = "grant_purchased"
    RESERVE = "reserve"
    COMMIT = "commit"
    RELEASE = "release"
    EXPIRE = "expire"


class ReleaseCause(StrEnum):
    CALLER = "caller"
    EXPIRY = "expiry"


class WebhookStatus(StrEnum):
    PENDING = "pending"
    PROCESSED = "processed"
    IGNORED = "ignored"
    FAILED = "failed"


class PriceKind(StrEnum):
    PLAN = "plan"
    PACK = "pack"


def enum_column(enum: type[StrEnum], length: int = 20) -> sa.Enum:
    """A VARCHAR holding the enum's values (not its names), read back as the enum."""
    return sa.Enum(
        enum,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
