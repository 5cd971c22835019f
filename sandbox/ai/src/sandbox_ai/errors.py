"""The two providers' error envelopes: Google's ``{"error": {code, message, status, details}}`` and
OpenAI's ``{"error": {message, type, param, code}}``."""

from __future__ import annotations

import math
from typing import Any

from fastapi import FastAPI, Request
from starlette.responses import JSONResponse

GOOGLE_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
GOOGLE_MESSAGES = {
    400: "Request contains an invalid argument.",
    403: "The caller does not have permission",
    404: "Requested entity was not found.",
    429: "You exceeded your current quota, please check your plan and billing details. For more "
    "information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.",
    500: "An internal error has occurred. Please retry or report in "
    "https://developers.generativeai.google/guide/troubleshooting",
    503: "The model is overloaded. Please try again later.",
    504: "Deadline expired before operation could complete.",
}
OPENAI_ERRORS: dict[int, tuple[str, str | None, str]] = {
    # status: (type, code, message)
    400: ("invalid_request_error", None, "Invalid request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    403: (
        "invalid_request_error",
        "unsupported_country_region_territory",
        "Country, region, or territory not supported.",
    ),
    404: ("invalid_request_error", None, "Not found."),
    409: ("invalid_request_error", None, "Conflict."),
    429: (
        "requests",
        "rate_limit_exceeded",
        "Rate limit reached on requests per min (RPM). Please try again later.",
    ),
    500: ("server_error", None, "The server had an error while processing your request. Sorry about that!"),
    502: ("server_error", None, "Bad gateway."),
    503: ("server_error", None, "The server is overloaded or not ready yet."),
    504: ("server_error", None, "Gateway timeout."),
}


def duration(seconds: float) -> str:
    """A ``google.protobuf.Duration`` in its JSON form ("36s", "0.250s")."""
    if seconds == int(seconds):
        return f"{int(seconds)}s"
    return f"{seconds:.3f}".rstrip("0") + "s"


class GeminiError(Exception):
    """Answered as the Gemini API answers: Google's error envelope."""

    def __init__(
        self, code: int, message: str | None = None, details: list[dict[str, Any]] | None = None
    ) -> None:
        self.code = code
        self.message = message or GOOGLE_MESSAGES.get(code, GOOGLE_MESSAGES[500 if code >= 500 else 400])
        self.status = GOOGLE_STATUS.get(code, "INTERNAL" if code >= 500 else "FAILED_PRECONDITION")
        self.details = details or []
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        return {"error": error}


def gemini_fault(code: int, retry_after_s: float | None, message: str | None) -> GeminiError:
    details: list[dict[str, Any]] = []
    if code == 429:
        details.append(
            {
                "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                "violations": [
                    {
                        "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                        "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
                    }
                ],
            }
        )
        details.append(
            {"@type": "type.googleapis.com/google.rpc.Help", "links": [
                {"description": "Learn more about Gemini API quotas",
                 "url": "https://ai.google.dev/gemini-api/docs/rate-limits"}]}
        )  # fmt: skip
    if retry_after_s is not None:
        details.append(
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": duration(retry_after_s)}
        )
    return GeminiError(code, message, details)


def bad_api_key() -> GeminiError:
    message = "API key not valid. Please pass a valid API key."
    return GeminiError(
        400,
        message,
        [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com"},
            },
            {
                "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
                "locale": "en-US",
                "message": message,
            },
        ],
    )


def missing_api_key() -> GeminiError:
    return GeminiError(
        403,
        "Method doesn't allow unregistered callers (callers without established identity). "
        "Please use API Key or other form of API consumer identity to call this API.",
    )


class OpenAIError(Exception):
    """Answered as the OpenAI API answers: ``{"error": {message, type, param, code}}``."""

    def __init__(
        self,
        status: int,
        message: str | None = None,
        *,
        type: str | None = None,
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        default_type, default_code, default_message = OPENAI_ERRORS.get(
            status, OPENAI_ERRORS[500 if status >= 500 else 400]
        )
        self.status = status
        self.message = message or default_message
        self.type = type or default_type
        self.param = param
        self.code = code if code is not None or type is not None else default_code
        self.headers = headers or {}
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


def openai_fault(status: int, retry_after_s: float | None, message: str | None) -> OpenAIError:
    headers: dict[str, str] = {}
    if retry_after_s is not None:
        headers["retry-after"] = str(max(0, math.ceil(retry_after_s)))
        headers["retry-after-ms"] = str(max(0, round(retry_after_s * 1000)))
    return OpenAIError(status, message, headers=headers)


def install(app: FastAPI) -> None:
    async def on_gemini(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, GeminiError)
        return JSONResponse(exc.body(), status_code=exc.code)

    async def on_openai(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, OpenAIError)
        headers = {"x-request-id": request.state.request_id} if hasattr(request.state, "request_id") else {}
        return JSONResponse(exc.body(), status_code=exc.status, headers={**headers, **exc.headers})

    app.add_exception_handler(GeminiError, on_gemini)
    app.add_exception_handler(OpenAIError, on_openai)
