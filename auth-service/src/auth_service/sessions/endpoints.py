"""``/login``, ``/refresh``, ``/logout``, ``/logout-all``."""

from __future__ import annotations

from fastapi import APIRouter, Response
from vitrine_kit.db.deps import SharedSession

from auth_service.deps import Auth, UserPrincipal
from auth_service.security.client_ip import ClientIP
from auth_service.sessions.schemas import LoginIn, RefreshIn, TokenPair
from auth_service.sessions.service import session_service

router = APIRouter(tags=["sessions"])


@router.post("/login")
async def login(body: LoginIn, session: SharedSession, auth: Auth, client_ip: ClientIP) -> TokenPair:
    """Trade e-mail and password for an access token (15 min) and a refresh token (30 days)."""
    return await session_service.login(
        session, auth, email=body.email, password=body.password, tenant_id=body.tenant_id, client_ip=client_ip
    )


@router.post("/refresh")
async def refresh(body: RefreshIn, auth: Auth) -> TokenPair:
    """Rotate a refresh token; 409 ``refresh-in-progress`` for a concurrent duplicate, 401 on reuse."""
    return await session_service.refresh(auth, body.refresh_token)


@router.post("/logout", status_code=204)
async def logout(body: RefreshIn, session: SharedSession) -> Response:
    """Revoke this refresh token's family; the access token expires on its own (15 min)."""
    await session_service.logout(session, body.refresh_token)
    return Response(status_code=204)


@router.post("/logout-all", status_code=204)
async def logout_all(principal: UserPrincipal, session: SharedSession) -> Response:
    """Revoke every session of the caller."""
    await session_service.logout_all(session, principal.user_id)
    return Response(status_code=204)
