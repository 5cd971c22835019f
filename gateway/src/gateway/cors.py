"""CORS for the frontend origins and the browser extension; the gateway owns it for every service."""

from __future__ import annotations

from gateway.config import Settings
from gateway.downstream import Headers
from gateway.request import Request
from gateway.responses import Refusal

ALLOWED_METHODS = b"GET, POST, PUT, PATCH, DELETE, OPTIONS"
ALLOWED_HEADERS = (
    b"authorization, content-type, accept, accept-language, x-request-id, idempotency-key, if-match, "
    b"x-csrf-token, last-event-id"
)
EXPOSED_HEADERS = (
    b"x-request-id, retry-after, ratelimit-limit, ratelimit-remaining, ratelimit-reset, ratelimit-policy, "
    b"content-disposition, location, etag"
)


class Cors:
    """Which origins may call the API from a browser, and the headers that say so."""

    def __init__(self, settings: Settings) -> None:
        origins = [o.rstrip("/") for o in settings.cors_origins]
        origins += [f"chrome-extension://{ext_id}" for ext_id in settings.cors_extension_ids]
        self.origins = frozenset(o.encode() for o in origins)
        self.max_age = str(settings.cors_max_age_s).encode()
        self._allowed_headers = frozenset(h.strip() for h in ALLOWED_HEADERS.split(b","))

    def allows(self, origin: bytes) -> bool:
        return origin in self.origins

    def response_headers(self, origin: bytes) -> Headers:
        """Headers added to an actual (non-preflight) response for an allowed origin."""
        return [
            (b"access-control-allow-origin", origin),
            (b"access-control-allow-credentials", b"true"),
            (b"access-control-expose-headers", EXPOSED_HEADERS),
            (b"vary", b"Origin"),
        ]

    def preflight_headers(self, origin: bytes, requested_headers: bytes | None) -> Headers | None:
        """Headers of a preflight answer, or None when a requested header is not allowed."""
        if requested_headers:
            asked = {h.strip().lower() for h in requested_headers.split(b",") if h.strip()}
            if not asked <= self._allowed_headers:
                return None
        return [
            (b"access-control-allow-origin", origin),
            (b"access-control-allow-credentials", b"true"),
            (b"access-control-allow-methods", ALLOWED_METHODS),
            (b"access-control-allow-headers", ALLOWED_HEADERS),
            (b"access-control-max-age", self.max_age),
            (b"vary", b"Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
        ]

    def preflight(self, request: Request) -> Headers | None:
        """The headers answering a CORS preflight; None when ``request`` is not one. Refuses (403) an origin
        or a header the policy does not allow."""
        origin = request.origin
        if origin is None or request.method != "OPTIONS":
            return None
        requested_method = requested_headers = None
        for name, value in request.headers:
            if name == b"access-control-request-method":
                requested_method = value
            elif name == b"access-control-request-headers":
                requested_headers = value
        if requested_method is None:
            return None
        if not self.allows(origin):
            raise Refusal.cors_origin()
        answer = self.preflight_headers(origin, requested_headers)
        if answer is None:
            raise Refusal.cors_header()
        return answer
