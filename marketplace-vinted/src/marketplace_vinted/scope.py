"""marketplace-vinted's scope: the kit's ``Scope`` over ``VintedContext``, for requests, consumed events and
the dispatcher's visits to a tenant alike."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit.scope import Scope as KitScope
from vitrine_kit.scope import request_scope

from marketplace_vinted.context import VintedContext

Scope = KitScope[VintedContext]
RequestScope = Annotated[Scope, Depends(request_scope)]


def worker_scope(session: AsyncSession, tenant_id: uuid.UUID, context: VintedContext) -> Scope:
    """The scope of a background visit to one tenant (the dispatcher, the replica reaper): no caller, no
    event; what it emits is caused by nothing but time."""
    return Scope(session=session, tenant_id=tenant_id, context=context)
