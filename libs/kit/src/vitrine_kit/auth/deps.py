"""FastAPI dependencies: the current principal, role and scope checks."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from vitrine_kit.auth.jwt import InvalidToken, TokenVerifier
from vitrine_kit.auth.principal import Principal
from vitrine_kit.errors import Forbidden, Unauthorized

_bearer = HTTPBearer(auto_error=False, description="An access token from auth-service")


def _verifier(request: Request) -> TokenVerifier:
    verifier: TokenVerifier | None = getattr(request.app.state, "verifier", None)
    if verifier is None:
        raise RuntimeError("no TokenVerifier on app.state")
    return verifier


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    """The verified caller; 401 with a reason when the token is missing or not acceptable."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("A bearer access token is required.")
    try:
        principal = await _verifier(request).verify(credentials.credentials)
    except InvalidToken as exc:
        raise Unauthorized(f"The access token was refused: {exc}.") from exc
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def tenant_principal(principal: CurrentPrincipal) -> Principal:
    """A caller acting for a tenant (users and plugins)."""
    if principal.tenant_id is None:
        raise Forbidden("This operation needs a token bound to a seller account.")
    return principal


TenantPrincipal = Annotated[Principal, Depends(tenant_principal)]


def require_roles(*roles: str) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """Dependency: the caller holds one of ``roles`` in its tenant."""

    async def check(principal: TenantPrincipal) -> Principal:
        if not principal.has_role(*roles):
            raise Forbidden(f"This operation needs one of the roles: {', '.join(roles)}.")
        return principal

    return check


def require_scope(scope: str) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """Dependency: the token carries ``scope``."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if not principal.has_scope(scope):
            raise Forbidden(f"This operation needs the scope '{scope}'.")
        return principal

    return check
