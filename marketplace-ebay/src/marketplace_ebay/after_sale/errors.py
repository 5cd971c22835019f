"""After-sale errors (RFC 9457 through the kit)."""

from __future__ import annotations

from vitrine_kit.errors import Conflict, NotFound, ProblemError


class CaseNotFound(NotFound):
    code, title = "after-sale-case-not-found", "No such after-sale case"


class OrderNotFound(NotFound):
    code, title = "order-not-found", "No eBay order with this id was reported to Vitrine"


class ActionNotAllowed(Conflict):
    code, title = "after-sale-action-not-allowed", "This action is not open on this case now"


class EbayRefused(ProblemError):
    status, code, title = 409, "ebay-refused", "eBay refused this action"


class BadEvidence(ProblemError):
    status, code, title = 422, "bad-evidence", "An evidence file is not usable"
