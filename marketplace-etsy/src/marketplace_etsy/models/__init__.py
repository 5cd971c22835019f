"""SQLAlchemy models of marketplace-etsy."""

from marketplace_etsy.models.base import SharedBase, TenantBase
from marketplace_etsy.models.enums import AccountStatus, CommandAction, ListingState
from marketplace_etsy.models.shared import (
    CommandAttempt,
    OAuthState,
    RateBudget,
    ReceiptPoll,
    ShopDirectory,
)
from marketplace_etsy.models.tenant import (
    CommandClaim,
    EtsyAccount,
    EtsyListing,
    ListingImageRecord,
    ReceiptLine,
)

__all__ = [
    "AccountStatus",
    "CommandAction",
    "CommandAttempt",
    "CommandClaim",
    "EtsyAccount",
    "EtsyListing",
    "ListingImageRecord",
    "ListingState",
    "OAuthState",
    "RateBudget",
    "ReceiptLine",
    "ReceiptPoll",
    "SharedBase",
    "ShopDirectory",
    "TenantBase",
]
