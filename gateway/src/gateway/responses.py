"""What the gateway answers itself: JSON, bytes, and one path for every RFC 9457 problem+json refusal."""

from __future__ import annotations

import json
from typing import Any

from vitrine_kit.errors import PROBLEM_JSON, problem_body

from gateway.downstream import Downstream, Headers

_PROBLEM = PROBLEM_JSON.encode()
_CLOSE = (b"connection", b"close")
_WWW_AUTHENTICATE = (b"www-authenticate", b'Bearer realm="vitrine"')


async def send_bytes(
    client: Downstream, status: int, body: bytes, content_type: bytes, headers: Headers
) -> None:
    """A complete response."""
    out = [(b"content-type", content_type), (b"content-length", b"%d" % len(body)), *headers]
    await client.answer(status, out, body)


async def send_json(client: Downstream, status: int, document: Any, headers: Headers) -> None:
    """A JSON document."""
    await send_bytes(client, status, json.dumps(document).encode(), b"application/json", headers)


class Refusal(Exception):
    """A request the gateway answers itself with a problem: raised by any stage, sent by ``refuse``.

    ``close`` asks the server to close the connection: the client's body was not read to its end.
    """

    def __init__(
        self,
        status: int,
        code: str,
        title: str,
        detail: str | None = None,
        *,
        retry_after_s: float | None = None,
        headers: Headers | None = None,
        close: bool = False,
        **fields: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.retry_after = None if retry_after_s is None else max(1, round(retry_after_s))
        self.headers = headers or []
        self.close = close
        self.fields = fields

    @classmethod
    def bad_request(cls, detail: str) -> Refusal:
        return cls(400, "bad-request", "Bad request", detail)

    @classmethod
    def not_found(cls) -> Refusal:
        return cls(404, "not-found", "Not found", "No service serves this path.")

    @classmethod
    def method_not_allowed(cls, allow: bytes) -> Refusal:
        return cls(405, "method-not-allowed", "Method not allowed", headers=[(b"allow", allow)])

    @classmethod
    def unauthorized(cls, detail: str) -> Refusal:
        return cls(401, "unauthorized", "Authentication required", detail, headers=[_WWW_AUTHENTICATE])

    @classmethod
    def cors_origin(cls) -> Refusal:
        return cls(
            403,
            "cors-origin-refused",
            "Origin not allowed",
            "This origin may not call the API from a browser.",
        )

    @classmethod
    def cors_header(cls) -> Refusal:
        return cls(
            403,
            "cors-header-refused",
            "Header not allowed",
            "A requested header is not allowed by the CORS policy.",
        )

    @classmethod
    def csrf_token(cls, detail: str) -> Refusal:
        return cls(403, "csrf-token-invalid", "The CSRF check failed", detail)

    @classmethod
    def csrf_origin(cls) -> Refusal:
        return cls(
            403,
            "csrf-origin-refused",
            "The CSRF check failed",
            "A write authenticated by the session cookie must come from an allowed origin (Origin header).",
        )

    @classmethod
    def payload_too_large(cls, limit: int, declared: int | None = None) -> Refusal:
        said = f"The body is {declared} bytes; the limit" if declared is not None else "The limit"
        return cls(
            413,
            "payload-too-large",
            "Request body too large",
            f"{said} for this route is {limit} bytes.",
        )

    @classmethod
    def request_timeout(cls, timeout_s: float, min_rate: float) -> Refusal:
        rate = f", nor at {min_rate:g} bytes/s or more" if min_rate > 0 else ""
        return cls(
            408,
            "request-timeout",
            "Request timeout",
            f"The request body did not arrive within {timeout_s:g} s{rate}.",
            close=True,
        )

    @classmethod
    def too_many_requests(cls, rule: str, retry_after_s: int) -> Refusal:
        return cls(
            429,
            "too-many-requests",
            "Too many requests",
            f"Rate limit '{rule}' reached; retry in {retry_after_s} s.",
            retry_after_s=retry_after_s,
        )

    @classmethod
    def upstream_failing(cls, upstream: str, retry_after_s: float) -> Refusal:
        wait = max(1, round(retry_after_s))
        return cls(
            503,
            "upstream-unavailable",
            "Service unavailable",
            f"The {upstream} service is failing; retry in {wait} s.",
            retry_after_s=wait,
            upstream=upstream,
        )

    @classmethod
    def upstream_busy(cls, upstream: str, what: str) -> Refusal:
        return cls(
            503,
            "upstream-busy",
            "Service busy",
            f"Every {what} to the {upstream} service is in use; retry in a moment.",
            retry_after_s=1,
            upstream=upstream,
        )

    @classmethod
    def too_many_uploads(cls, limit: int) -> Refusal:
        return cls(
            429,
            "too-many-uploads",
            "Too many uploads",
            f"At most {limit} large bodies may be sent to this service at once from one address.",
            retry_after_s=1,
        )

    @classmethod
    def too_many_streams(cls, limit: int) -> Refusal:
        return cls(
            429,
            "too-many-streams",
            "Too many open streams",
            f"At most {limit} live streams may be open at once from one address.",
            retry_after_s=5,
        )

    @classmethod
    def upstream_unreachable(cls, upstream: str) -> Refusal:
        return cls(
            502,
            "upstream-unavailable",
            "Bad gateway",
            f"The {upstream} service could not be reached.",
            upstream=upstream,
        )

    @classmethod
    def upstream_timeout(cls, upstream: str, timeout_s: float) -> Refusal:
        return cls(
            504,
            "upstream-timeout",
            "Gateway timeout",
            f"The {upstream} service did not answer within {timeout_s:g} s.",
            upstream=upstream,
        )

    @classmethod
    def answer_broke_off(cls, upstream: str) -> Refusal:
        return cls(502, "bad-gateway", "Bad gateway", "The upstream answer broke off.", upstream=upstream)

    @classmethod
    def internal(cls) -> Refusal:
        return cls(500, "internal-error", "Internal server error")


async def refuse(client: Downstream, refusal: Refusal, headers: Headers) -> int:
    """Send ``refusal`` as problem+json with the request's own headers (request id, CORS, rate limits).

    The body carries the request id from the logging context; returns the status sent.
    """
    out = [*headers, *refusal.headers]
    fields = refusal.fields
    if refusal.retry_after is not None:
        out.append((b"retry-after", str(refusal.retry_after).encode()))
        fields = {**fields, "retry_after": refusal.retry_after}
    if refusal.close:
        out.append(_CLOSE)
    body = problem_body(refusal.status, refusal.code, refusal.title, refusal.detail, **fields)
    await send_bytes(client, refusal.status, json.dumps(body).encode(), _PROBLEM, out)
    return refusal.status
