"""SQLAlchemy models of marketplace-ebay."""

from marketplace_ebay.models.base import SharedBase, TenantBase
from marketplace_ebay.models.shared import (
    AccountDirectory,
    CommandAttempt,
    DeletionNotice,
    OAuthState,
    OrderPoll,
    Reconciliation,
)
from marketplace_ebay.models.tenant import (
    LIVE,
    AccountStatus,
    EbayAccount,
    EbayListing,
    ListingStatus,
    SeenOrderLine,
)

__all__ = [
    "LIVE",
    "AccountDirectory",
    "AccountStatus",
    "CommandAttempt",
    "DeletionNotice",
    "EbayAccount",
    "EbayListing",
    "ListingStatus",
    "OAuthState",
    "OrderPoll",
    "Reconciliation",
    "SeenOrderLine",
    "SharedBase",
    "TenantBase",
]
