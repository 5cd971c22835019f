"""SQLAlchemy models: plans, accounts, balances, reservations, webhooks and marketplace slots in ``shared``; the ledger per tenant."""

from billing_service.models.base import SharedBase, TenantBase
from billing_service.models.billing import (
    Account,
    Balance,
    CreditPack,
    MarketplaceSlot,
    Plan,
    Reservation,
    StripePrice,
    WebhookEvent,
)
from billing_service.models.ledger import LedgerEntry

__all__ = [
    "Account",
    "Balance",
    "CreditPack",
    "LedgerEntry",
    "MarketplaceSlot",
    "Plan",
    "Reservation",
    "SharedBase",
    "StripePrice",
    "TenantBase",
    "WebhookEvent",
]
