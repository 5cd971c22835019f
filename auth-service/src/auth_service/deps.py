"""FastAPI dependencies of auth-service, as ``Annotated`` aliases."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path, Request
from vitrine_kit.auth.deps import CurrentPrincipal, require_scope
from vitrine_kit.auth.principal import Principal
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
    # Plugin and service tokens are valid tokens, but they do not act as a person.
    if principal.kind != "user" or principal.tenant_id is None:
        raise Forbidden("This operation needs a user's access token.")
    return principal


UserPrincipal = Annotated[Principal, Depends(_user_principal)]


async def _manager(principal: UserPrincipal) -> Principal:
    if not principal.has_role("owner", "admin"):
        raise Forbidden("This operation needs the role owner or admin.")
    return principal


ManagerPrincipal = Annotated[Principal, Depends(_manager)]
ServicePrincipal = Annotated[Principal, Depends(require_scope("service"))]

MemberID = Annotated[uuid.UUID, Path(description="The member's user id")]
DeviceID = Annotated[uuid.UUID, Path(description="The plugin device id")]
