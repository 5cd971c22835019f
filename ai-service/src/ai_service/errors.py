"""ai-service's business errors (RFC 9457 through the kit)."""

from __future__ import annotations

from vitrine_kit.errors import NotFound, ProblemError, Unprocessable


class AnalysisNotFound(NotFound):
    code, title = "analysis-not-found", "No such analysis"


class PhotosRequired(Unprocessable):
    code, title = "photos-required", "Which photos should be analysed?"


class PhotoNotFound(Unprocessable):
    code, title = "photo-not-found", "A photo of the request does not exist"


class IdempotencyKeyReused(ProblemError):
    status, code, title = 422, "idempotency-key-reused", "This Idempotency-Key was used for another request"


class CreditsExhausted(ProblemError):
    status, code, title = 402, "credits-exhausted", "You have no AI credits left"


class MediaUnavailable(ProblemError):
    status, code, title = 503, "media-unavailable", "Photos cannot be read right now; try again shortly"


class BillingUnavailable(ProblemError):
    status, code, title = 503, "billing-unavailable", "Credits cannot be checked right now; try again shortly"
