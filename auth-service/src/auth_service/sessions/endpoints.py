"""``/login``, ``/refresh``, ``/logout``, ``/logout-all`` (bearer tokens) and ``/sessions`` (browser cookies)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from vitrine_kit.db.deps import SharedSession

from auth_service.deps import Auth, UserPrincipal
from auth_service.security.client_ip import ClientIP
from auth_service.security.idempotency import keyed_by_email
from auth_service.sessions import cookies
from auth_service.sessions.schemas import BrowserSession, LoginIn, RefreshIn, TokenPair
from auth_service.sessions.service import session_service

router = APIRouter(tags=["sessions"])


@router.post("/login")
async def login(body: LoginIn, session: SharedSession, auth: Auth, client_ip: ClientIP) -> TokenPair:
    """Trade e-mail and password for an access token (15 min) and a refresh token (30 days)."""
    return await session_service.login(
        session, auth, email=body.email, password=body.password, tenant_id=body.tenant_id, client_ip=client_ip
    )


keyed_by_email(router, login)


@router.post("/refresh")
async def refresh(body: RefreshIn, auth: Auth) -> TokenPair:
    """Rotate a refresh token; 409 ``refresh-in-progress`` for a concurrent duplicate, 401 on reuse."""
    return await session_service.refresh(auth, body.refresh_token)


@router.post("/logout", status_code=204)
async def logout(body: RefreshIn, session: SharedSession, auth: Auth) -> Response:
    """Revoke this refresh token's session: its refresh family, and the access tokens given out in it (each
    service refuses them within seconds); the caller's other sessions stay open."""
    await session_service.logout(session, auth, body.refresh_token)
    return Response(status_code=204)


@router.post("/logout-all", status_code=204)
async def logout_all(principal: UserPrincipal, session: SharedSession, auth: Auth) -> Response:
    """Revoke every session of the caller, and every access token already given out (this one too): each
    service refuses them within seconds, not when they expire."""
    await session_service.logout_all(session, auth, principal.user_id)
    return Response(status_code=204)


@router.post("/sessions")
async def open_session(
    body: LoginIn, session: SharedSession, auth: Auth, client_ip: ClientIP, response: Response
) -> BrowserSession:
    """Log in for the web app: the tokens go into httpOnly cookies, the CSRF token into a readable one."""
    pair = await session_service.login(
        session, auth, email=body.email, password=body.password, tenant_id=body.tenant_id, client_ip=client_ip
    )
    return cookies.open_in(response, auth.settings, pair)


@router.post("/sessions/refresh")
async def refresh_session(request: Request, auth: Auth, response: Response) -> BrowserSession:
    """Rotate the refresh cookie (``X-CSRF-Token`` required); the same answers as ``/refresh``."""
    csrf = cookies.checked_csrf(request)
    pair = await session_service.refresh(auth, cookies.refresh_token_of(request))
    return cookies.open_in(response, auth.settings, pair, csrf=csrf)


@router.delete("/sessions", status_code=204)
async def close_session(request: Request, session: SharedSession, auth: Auth) -> Response:
    """Log out of the browser session: its refresh family and access tokens are revoked and its cookies
    cleared."""
    token = request.cookies.get(cookies.REFRESH_COOKIE)
    if token:
        cookies.checked_csrf(request)
        await session_service.logout(session, auth, token)
    response = Response(status_code=204)
    cookies.clear_in(response, auth.settings)
    return response
