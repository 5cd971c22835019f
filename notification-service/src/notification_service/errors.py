"""notification-service's business errors (RFC 9457 through the kit)."""

from __future__ import annotations

from vitrine_kit.errors import ProblemError, Unprocessable


class InvalidUnsubscribeLink(ProblemError):
    status, code, title = 400, "invalid-unsubscribe-link", "This unsubscribe link is not valid"


class InvalidLastEventId(Unprocessable):
    code, title = "invalid-last-event-id", "Last-Event-ID is not a feed item id"
