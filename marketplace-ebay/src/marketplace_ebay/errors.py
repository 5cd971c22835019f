"""marketplace-ebay's business errors (RFC 9457 through the kit)."""

from __future__ import annotations

from vitrine_kit.errors import Conflict, NotFound, ProblemError


class OtherBrowser(ProblemError):
    status, code, title = 400, "oauth-other-browser", "This connection was started in another browser"


class InvalidState(ProblemError):
    status, code, title = (
        400,
        "invalid-oauth-state",
        "This eBay connection link is invalid, expired or already used",
    )


class ConnectionRefused(ProblemError):
    status, code, title = 502, "ebay-connection-refused", "eBay did not accept the connection"


class UnknownSite(ProblemError):
    status, code, title = 422, "unknown-site", "This eBay site is not supported"


class AccountNotFound(NotFound):
    code, title = "account-not-found", "No such eBay account"


class AccountNeedsReconnect(Conflict):
    code, title = "account-reconnect", "eBay no longer accepts this account's tokens: connect it again"


class AccountHasLiveListings(Conflict):
    code, title = "account-has-live-listings", "This eBay account still has live listings"


class EbayUnavailable(ProblemError):
    status, code, title = 503, "ebay-unavailable", "eBay is not answering; try again in a moment"


class EbayRejected(ProblemError):
    status, code, title = 422, "ebay-rejected", "eBay refused the request"


class BadSignature(ProblemError):
    status, code, title = 412, "bad-signature", "The notification signature does not verify"
