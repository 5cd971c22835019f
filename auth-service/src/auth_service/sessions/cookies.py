"""Browser sessions in cookies: the access token and the refresh token where scripts cannot read them, and
a CSRF token a script of the app must echo in ``X-CSRF-Token`` (double submit).

SameSite: the access and CSRF cookies are ``Lax`` — a top-level GET from elsewhere (a link to a CSV
export opened in a new tab) keeps working, while no cross-site POST, PATCH or DELETE ever carries them;
the refresh cookie is ``Strict`` and scoped to ``/sessions``: only the app's own calls to refresh or log out
ever need it. The gateway also checks the ``Origin`` of every unsafe cookie-authenticated request.
"""

from __future__ import annotations

import hmac
from typing import Literal

from fastapi import Request, Response

from auth_service.config import Settings
from auth_service.errors import CsrfRefused, InvalidRefreshToken
from auth_service.security.secrets import new_token
from auth_service.sessions.schemas import BrowserSession, TokenPair

ACCESS_COOKIE = "vitrine_access"
REFRESH_COOKIE = "vitrine_refresh"
CSRF_COOKIE = "vitrine_csrf"
CSRF_HEADER = "X-CSRF-Token"


def _set(
    response: Response,
    settings: Settings,
    name: str,
    value: str,
    *,
    path: str,
    max_age: int,
    http_only: bool,
    same_site: Literal["lax", "strict"],
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        domain=settings.cookie_domain or None,
        secure=settings.cookie_secure,
        httponly=http_only,
        samesite=same_site,
    )


def refresh_path(settings: Settings) -> str:
    """Where the browser sends the refresh cookie: the sessions endpoints as the public sees them."""
    return settings.public_path_prefix.rstrip("/") + "/sessions"


def open_in(
    response: Response, settings: Settings, pair: TokenPair, csrf: str | None = None
) -> BrowserSession:
    """Put a token pair in the session cookies (a new CSRF token unless the session keeps its own)."""
    csrf = csrf or new_token(24)
    session_life = settings.refresh_token_ttl_s
    _set(
        response,
        settings,
        ACCESS_COOKIE,
        pair.access_token,
        path=settings.session_cookie_path,
        max_age=pair.expires_in,
        http_only=True,
        same_site="lax",
    )
    _set(
        response,
        settings,
        REFRESH_COOKIE,
        pair.refresh_token,
        path=refresh_path(settings),
        max_age=session_life,
        http_only=True,
        same_site="strict",
    )
    # Readable by the app's scripts (not httpOnly): they echo it in X-CSRF-Token, which another site cannot.
    _set(
        response,
        settings,
        CSRF_COOKIE,
        csrf,
        path="/",
        max_age=session_life,
        http_only=False,
        same_site="lax",
    )
    return BrowserSession(csrf_token=csrf, expires_in=pair.expires_in)


def clear_in(response: Response, settings: Settings) -> None:
    """Expire the three session cookies (same names, paths and flags, or the browser keeps them)."""
    for name, path, http_only in (
        (ACCESS_COOKIE, settings.session_cookie_path, True),
        (REFRESH_COOKIE, refresh_path(settings), True),
        (CSRF_COOKIE, "/", False),
    ):
        response.delete_cookie(
            name,
            path=path,
            domain=settings.cookie_domain or None,
            secure=settings.cookie_secure,
            httponly=http_only,
            samesite="strict" if name == REFRESH_COOKIE else "lax",
        )


def checked_csrf(request: Request) -> str:
    """The session's CSRF token, once ``X-CSRF-Token`` matched the CSRF cookie; 403 otherwise."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    header = request.headers.get(CSRF_HEADER, "")
    if not cookie or not header:
        raise CsrfRefused(f"The {CSRF_HEADER} header and the {CSRF_COOKIE} cookie are both required.")
    if not hmac.compare_digest(cookie.encode(), header.encode()):
        raise CsrfRefused(f"The {CSRF_HEADER} header does not match the {CSRF_COOKIE} cookie.")
    return cookie


def refresh_token_of(request: Request) -> str:
    """The refresh cookie; 401 without one."""
    token = request.cookies.get(REFRESH_COOKIE)
    if not token:
        raise InvalidRefreshToken("No session cookie: log in again.")
    return token
