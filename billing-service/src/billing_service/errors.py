"""billing-service's business errors (RFC 9457 through the kit)."""

from __future__ import annotations

from vitrine_kit.errors import Conflict, Forbidden, NotFound, ProblemError, Unprocessable


class PlanNotFound(NotFound):
    code, title = "plan-not-found", "No such plan"


class PackNotFound(NotFound):
    code, title = "credit-pack-not-found", "No such credit pack"


class PlanNotPurchasable(Unprocessable):
    code, title = "plan-not-purchasable", "This plan is free: nothing to pay"


class AlreadySubscribed(Conflict):
    code, title = "already-subscribed", "You already have a subscription; change it in the billing portal"


class NoStripeCustomer(Conflict):
    code, title = "no-billing-account", "Nothing to manage yet: subscribe or buy credits first"


class PaymentProviderUnavailable(ProblemError):
    status, code, title = 503, "payment-provider-unavailable", "Payments are unavailable for a moment"


class InvalidStripeSignature(ProblemError):
    status, code, title = 400, "invalid-stripe-signature", "The Stripe-Signature header does not match"


class InvalidWebhookPayload(ProblemError):
    status, code, title = 400, "invalid-webhook-payload", "The webhook body is not a Stripe event"


class MarketplaceLimitReached(ProblemError):
    status, code, title = 402, "marketplace-limit-reached", "Your plan allows no more marketplaces"


class CreditsExhausted(ProblemError):
    status, code, title = 402, "credits-exhausted", "Not enough AI credits left"


class ReservationNotFound(NotFound):
    code, title = "reservation-not-found", "No reservation with this key"


class ReservationReleased(Conflict):
    code, title = "reservation-released", "The reservation was released; its credits are back"


class ReservationExpired(Conflict):
    code, title = "reservation-expired", "The reservation expired; its credits are back"


class ReservationCommitted(Conflict):
    code, title = "reservation-committed", "The reservation was committed; its credits are spent"


class ReservationKeyReused(Conflict):
    code, title = "reservation-key-reused", "This key was used for another reservation"


class ServiceTokenRequired(Forbidden):
    code, title = "service-token-required", "Only Vitrine services may call this endpoint"
