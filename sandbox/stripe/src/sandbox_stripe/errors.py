"""Stripe's error envelope: ``{"error": {"type", "code", "message", "param", "doc_url", …}}``."""

from __future__ import annotations

from typing import Any

DOCS = "https://stripe.com/docs/error-codes"


class StripeError(Exception):
    """Raised anywhere in a request: answered with Stripe's envelope and ``status``."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.extra = extra or {}

    def body(self, request_id: str | None = None) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"{DOCS}/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        if request_id:
            error["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}"
        error.update(self.extra)
        return {"error": error}


def invalid(message: str, param: str | None = None, code: str | None = None) -> StripeError:
    return StripeError(400, message, param=param, code=code)


def missing_param(param: str) -> StripeError:
    return StripeError(400, f"Missing required param: {param}.", param=param, code="parameter_missing")


def unknown_param(param: str) -> StripeError:
    return StripeError(400, f"Received unknown parameter: {param}", param=param, code="parameter_unknown")


def no_such(kind: str, object_id: str, param: str = "id") -> StripeError:
    """404 ``resource_missing``, worded as Stripe words it (``No such price: 'price_x'``)."""
    return StripeError(404, f"No such {kind}: '{object_id}'", param=param, code="resource_missing")


def bad_reference(kind: str, object_id: str, param: str) -> StripeError:
    """A parameter naming an object that does not exist: 400, ``resource_missing``."""
    return StripeError(400, f"No such {kind}: '{object_id}'", param=param, code="resource_missing")


def card_declined(extra: dict[str, Any] | None = None) -> StripeError:
    return StripeError(
        402,
        "Your card was declined.",
        type="card_error",
        code="card_declined",
        extra={"decline_code": "generic_decline", **(extra or {})},
    )


def no_api_key() -> StripeError:
    return StripeError(
        401,
        "You did not provide an API key. You need to provide your API key in the Authorization header, "
        "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#"
        "authentication for details, or we can help at https://support.stripe.com/.",
    )


def bad_api_key(key: str) -> StripeError:
    shown = key[:8] + "*" * max(0, len(key) - 12) + key[-4:] if len(key) > 12 else key
    return StripeError(401, f"Invalid API Key provided: {shown}")


def unrecognized_url(method: str, path: str) -> StripeError:
    return StripeError(
        404,
        f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can "
        "help at https://support.stripe.com/.",
    )


def fault_error(status: int, message: str | None = None, code: str | None = None) -> StripeError:
    """The error a simulated fault answers with: 429 ``rate_limit``, 5xx ``api_error``, others generic."""
    if status == 429:
        return StripeError(
            429,
            message
            or "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
            code=code or "rate_limit",
        )
    if status >= 500:
        return StripeError(
            status,
            message or "An unknown error occurred",
            type="api_error",
            code=code,
        )
    if status == 402:
        return card_declined()
    if status == 401:
        return StripeError(401, message or "Invalid API Key provided.", code=code)
    if status == 409:
        return StripeError(
            409,
            message or "There was a conflict with another request; please retry.",
            code=code or "lock_timeout",
        )
    return StripeError(status, message or "The request failed.", code=code)
