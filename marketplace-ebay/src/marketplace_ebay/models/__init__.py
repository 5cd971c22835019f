"""SQLAlchemy models of marketplace-ebay."""

from marketplace_ebay.models.base import SharedBase, TenantBase
from marketplace_ebay.models.shared import (
    AccountDirectory,
    CommandAttempt,
    DeletionNotice,
    OAuthState,
    OrderPoll,
)
from marketplace_ebay.models.tenant import EbayAccount, EbayListing, SeenOrderLine

__all__ = [
    "AccountDirectory",
    "CommandAttempt",
    "DeletionNotice",
    "EbayAccount",
    "EbayListing",
    "OAuthState",
    "OrderPoll",
    "SeenOrderLine",
    "SharedBase",
    "TenantBase",
]
