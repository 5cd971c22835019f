"""FastAPI dependencies of auth-service, as ``Annotated`` aliases."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path, Request
from vitrine_kit.auth.deps import CurrentPrincipal, require_service_scope
from vitrine_kit.auth.principal import Principal, TokenKind
from vitrine_kit.errors import Forbidden
from vitrine_kit.scope import context_of

from auth_service.context import AuthContext
from auth_service.keys.service import KeyStore


def _keys(request: Request) -> KeyStore:
    context: AuthContext = context_of(request)
    return context.keys


Auth = Annotated[AuthContext, Depends(context_of)]
Keys = Annotated[KeyStore, Depends(_keys)]


async def _user_principal(principal: CurrentPrincipal) -> Principal:
    # Service tokens are valid tokens, but they do not act as a person (plugin tokens never get here).
    if principal.kind is not TokenKind.USER or principal.tenant_id is None:
        raise Forbidden("This operation needs a user's access token.")
    return principal


# Roles are not checked here: tenant changes read the caller's role from the database (tenants.acting).
UserPrincipal = Annotated[Principal, Depends(_user_principal)]
# The relay asks whether a plugin token or device is still good.
INTROSPECT_SCOPE = "plugin:introspect"
IntrospectCaller = Annotated[Principal, Depends(require_service_scope(INTROSPECT_SCOPE))]

MemberID = Annotated[uuid.UUID, Path(description="The member's user id")]
DeviceID = Annotated[uuid.UUID, Path(description="The plugin device id")]
