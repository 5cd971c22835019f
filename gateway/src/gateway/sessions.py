"""Browser sessions: the access token in an httpOnly cookie in place of the ``Authorization`` header, and
the defences a cookie needs against cross-site requests.

A cookie goes with every request the browser makes to the API, whoever's page makes it; a header does
not. So an unsafe request (not GET/HEAD/OPTIONS) that carries a session cookie and no bearer token must
show it comes from the app: its ``X-CSRF-Token`` header equals the CSRF cookie (double submit: another
site can make the browser send the cookie, never read it to copy it into a header) and its ``Origin`` is
one of the allowed origins. A request with a bearer token is left alone: no other site can set that header.
Logins that open a cookie session have their ``Origin`` checked too (no logging a victim into an attacker's
account from another site).
"""

from __future__ import annotations

import hmac

from gateway.config import Settings
from gateway.cors import Cors
from gateway.request import Request
from gateway.responses import Refusal

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def cookie_value(header: bytes, name: bytes) -> bytes | None:
    """The value of cookie ``name`` in a ``Cookie`` header (the first one, as servers read it)."""
    for part in header.split(b";"):
        key, sep, value = part.strip().partition(b"=")
        if sep and key == name:
            return value.strip().strip(b'"')
    return None


class CookieSessions:
    """Reads the session cookie and enforces CSRF on the unsafe requests it would authenticate."""

    def __init__(self, settings: Settings, cors: Cors) -> None:
        self.cors = cors
        self.access = settings.session_cookie.encode()
        self.refresh = settings.refresh_cookie.encode()
        self.csrf_cookie = settings.csrf_cookie.encode()
        self.csrf_header = settings.csrf_header.lower().encode()
        self.login_paths = frozenset(settings.session_login_paths)

    def token(self, request: Request) -> str | None:
        """The access token of the session cookie, if the request carries one."""
        if request.cookie is None:
            return None
        value = cookie_value(request.cookie, self.access)
        return value.decode("latin-1") if value else None

    def guard(self, request: Request, path: str) -> None:
        """Refuse (403) an unsafe request that a session cookie would authenticate without proof that the
        app sent it. Called only for requests without a bearer token."""
        if request.method in SAFE_METHODS:
            return
        cookie = request.cookie
        carries_session = cookie is not None and (
            bool(cookie_value(cookie, self.access)) or bool(cookie_value(cookie, self.refresh))
        )
        if not carries_session:
            # No cookie to abuse; a login from a page of another site is still refused.
            if (
                path in self.login_paths
                and request.origin is not None
                and not self.cors.allows(request.origin)
            ):
                raise Refusal.csrf_origin()
            return
        if request.origin is None or not self.cors.allows(request.origin):
            raise Refusal.csrf_origin()
        assert cookie is not None
        expected = cookie_value(cookie, self.csrf_cookie)
        sent = next((v for n, v in request.headers if n == self.csrf_header), None)
        if not expected or not sent:
            raise Refusal.csrf_token(
                "A request authenticated by the session cookie needs the X-CSRF-Token header."
            )
        if not hmac.compare_digest(expected, sent):
            raise Refusal.csrf_token("The X-CSRF-Token header does not match the CSRF cookie.")
