"""One unit of work for a tenant: its session, the reference data, settings and a way to emit events."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts import Event
from vitrine_kit.auth.deps import TenantPrincipal
from vitrine_kit.db.deps import TenantSession
from vitrine_kit.events.consumer import EventContext

from catalog_service.config import Settings
from catalog_service.deps import Catalog
from catalog_service.reference.catalog import ReferenceCatalog


@dataclass
class Scope:
    """What the services act with; built per request or per consumed event."""

    session: AsyncSession
    tenant_id: uuid.UUID
    ref: ReferenceCatalog
    settings: Settings
    emit: Callable[[Event], Any]


async def _scope(session: TenantSession, principal: TenantPrincipal, context: Catalog) -> Scope:
    assert principal.tenant_id is not None
    tenant_id = principal.tenant_id

    def emit(event: Event) -> Any:
        return context.outbox.add(session, event, tenant_id=tenant_id)

    return Scope(session, tenant_id, await context.reference.get(), context.settings, emit)


RequestScope = Annotated[Scope, Depends(_scope)]


async def event_scope(ctx: EventContext, settings: Settings, ref: ReferenceCatalog) -> Scope:
    """The scope of a consumed event: its transaction, follow-up events caused by it."""
    assert ctx.tenant_id is not None
    return Scope(ctx.session, ctx.tenant_id, ref, settings, ctx.emit)
