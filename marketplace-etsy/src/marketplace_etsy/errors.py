"""marketplace-etsy's business errors (RFC 9457 through the kit)."""

from __future__ import annotations

from vitrine_kit.errors import Conflict, NotFound, ProblemError


class AccountNotFound(NotFound):
    code, title = "etsy-account-not-found", "No Etsy shop is connected"


class AccountNeedsReconnect(Conflict):
    code, title = "account-reconnect", "Etsy no longer accepts this shop's connection: connect it again"


class EtsyUnavailable(ProblemError):
    status, code, title = 503, "etsy-unavailable", "Etsy is not answering; try again in a moment"


class EtsyRejected(ProblemError):
    status, code, title = 422, "etsy-rejected", "Etsy refused the request"
