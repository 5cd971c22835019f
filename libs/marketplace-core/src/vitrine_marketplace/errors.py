"""Typed failures of a marketplace call: each tells the caller whether retrying can help."""

from __future__ import annotations

from typing import Any


class MarketplaceError(Exception):
    """Base of every marketplace failure; ``retryable`` says whether trying later may succeed."""

    retryable: bool = False
    code: str = "marketplace-error"

    def __init__(self, message: str, *, status: int | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.details = details


class MarketplaceUnavailable(MarketplaceError):
    """The marketplace did not answer, or answered 5xx: a later attempt may work."""

    retryable = True
    code = "marketplace-unavailable"


class CircuitOpen(MarketplaceUnavailable):
    """Too many recent failures: calls are refused locally until the breaker lets a probe through."""

    code = "circuit-open"


class RateLimited(MarketplaceUnavailable):
    """The marketplace answered 429 and the retries allowed for this call are spent."""

    code = "rate-limited"

    def __init__(self, message: str, *, retry_after_s: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after_s = retry_after_s


class AuthExpired(MarketplaceError):
    """The access token was refused (401): refresh it and try again."""

    retryable = True
    code = "auth-expired"


class AuthRevoked(MarketplaceError):
    """The refresh token was refused too: the seller must reconnect the account."""

    code = "account-reconnect"


class MarketplaceRejected(MarketplaceError):
    """The marketplace refused the request itself (4xx): the seller must change something."""

    code = "marketplace-rejected"


class NotFoundOnMarketplace(MarketplaceRejected):
    """The resource does not exist on the marketplace (404)."""

    code = "not-found"
