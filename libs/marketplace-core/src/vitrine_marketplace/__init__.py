"""vitrine_marketplace: what every marketplace adapter shares (protocol, DTOs, HTTP client, token crypto)."""

from vitrine_kit.breaker import CircuitBreaker

from vitrine_marketplace.crypto import TokenCipher
from vitrine_marketplace.dto import (
    ExternalListing,
    ExternalOrder,
    ListingDraft,
    OAuthTokens,
    PublishedListing,
)
from vitrine_marketplace.errors import (
    AuthExpired,
    AuthRevoked,
    CircuitOpen,
    MarketplaceError,
    MarketplaceRejected,
    MarketplaceUnavailable,
    RateLimited,
)
from vitrine_marketplace.http import MarketplaceHttpClient, RetryPolicy
from vitrine_marketplace.protocol import MarketplaceAdapter
from vitrine_marketplace.ratelimit import RateLimiter, TokenBucket

__all__ = [
    "AuthExpired",
    "AuthRevoked",
    "CircuitBreaker",
    "CircuitOpen",
    "ExternalListing",
    "ExternalOrder",
    "ListingDraft",
    "MarketplaceAdapter",
    "MarketplaceError",
    "MarketplaceHttpClient",
    "MarketplaceRejected",
    "MarketplaceUnavailable",
    "OAuthTokens",
    "PublishedListing",
    "RateLimited",
    "RateLimiter",
    "RetryPolicy",
    "TokenBucket",
    "TokenCipher",
]
