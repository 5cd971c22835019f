"""FastAPI dependencies: the current principal by kind of token, role and scope checks.

Each dependency names the kinds of token it accepts: ``TenantPrincipal`` (and so every ``RequestScope``)
a user's, ``CurrentPrincipal`` a user's or a service's, ``ServiceCaller``/``require_service_scope`` a
service's, ``PluginPrincipal`` only a plugin's. A plugin token is refused everywhere else.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from vitrine_kit.auth.jwt import InvalidToken, TokenVerifier
from vitrine_kit.auth.principal import USER_OR_SERVICE, Principal, TokenKind
from vitrine_kit.db.tenancy import provisioning_refused
from vitrine_kit.errors import Forbidden, Unauthorized

_bearer = HTTPBearer(auto_error=False, description="An access token from auth-service")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
# Methods that change nothing: the only ones a read-only role (viewer) may call.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _verifier(request: Request) -> TokenVerifier:
    verifier: TokenVerifier | None = getattr(request.app.state, "verifier", None)
    if verifier is None:
        raise RuntimeError("no TokenVerifier on app.state")
    return verifier


async def verified(
    request: Request, credentials: HTTPAuthorizationCredentials | None, kinds: Collection[TokenKind]
) -> Principal:
    """The verified caller if its token is one of ``kinds``; 401 with a reason otherwise."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("A bearer access token is required.")
    try:
        principal = await _verifier(request).verify(credentials.credentials, kinds=kinds)
    except InvalidToken as exc:
        raise Unauthorized(f"The access token was refused: {exc}.") from exc
    request.state.principal = principal
    return principal


async def current_principal(request: Request, credentials: Credentials) -> AsyncIterator[Principal]:
    """The verified caller: a user or a service (never a plugin)."""
    principal = await verified(request, credentials, USER_OR_SERVICE)
    if principal.kind is not TokenKind.SERVICE:
        yield principal
        return
    # A service names tenants in its requests: it may work in an existing tenant, never create one.
    with provisioning_refused():
        yield principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def tenant_principal(request: Request, principal: CurrentPrincipal) -> Principal:
    """A user acting for a tenant; a read-only role (viewer) may only call safe methods."""
    if principal.kind is not TokenKind.USER or principal.tenant_id is None:
        raise Forbidden("This operation needs a seller's access token.")
    from vitrine_kit.roles import may_change_anything  # the roles module builds on these dependencies

    if request.method not in SAFE_METHODS and not may_change_anything(principal.roles):
        raise Forbidden("Your role in this seller account is read-only.")
    return principal


TenantPrincipal = Annotated[Principal, Depends(tenant_principal)]


async def plugin_principal(request: Request, credentials: Credentials) -> Principal:
    """A paired browser plugin of a tenant (its device not revoked): for the few endpoints a plugin calls."""
    principal = await verified(request, credentials, {TokenKind.PLUGIN})
    if principal.tenant_id is None:
        raise Forbidden("This plugin token is bound to no seller account.")
    return principal


PluginPrincipal = Annotated[Principal, Depends(plugin_principal)]


async def service_caller(principal: CurrentPrincipal) -> Principal:
    """A Vitrine service (client-credentials token), whatever its scopes."""
    if principal.kind is not TokenKind.SERVICE:
        raise Forbidden("This endpoint takes a service token (client credentials).")
    return principal


ServiceCaller = Annotated[Principal, Depends(service_caller)]


def require_service_scope(scope: str) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """Dependency: a service token granted ``scope`` (e.g. ``media:read``); users and plugins are refused."""

    async def check(principal: ServiceCaller) -> Principal:
        if not principal.has_scope(scope):
            raise Forbidden(f"This operation needs a service token with the scope '{scope}'.")
        return principal

    return check


def require_roles(*roles: str) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """Dependency: the caller holds one of ``roles`` in its tenant (prefer ``vitrine_kit.roles.require``)."""

    async def check(principal: TenantPrincipal) -> Principal:
        if not principal.has_role(*roles):
            raise Forbidden(f"This operation needs one of the roles: {', '.join(roles)}.")
        return principal

    return check


def require_scope(scope: str) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """Dependency: the token (a user's or a service's) carries ``scope``."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if not principal.has_scope(scope):
            raise Forbidden(f"This operation needs the scope '{scope}'.")
        return principal

    return check
