"""Request-scoped sessions: one per request, committed after the handler returns, rolled back on error."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from vitrine_kit.auth.deps import TenantPrincipal
from vitrine_kit.events.outbox import Outbox
from vitrine_kit.logging import tenant_id_var

if TYPE_CHECKING:
    from vitrine_kit.app import ServiceRuntime


def runtime_of(request: Request) -> ServiceRuntime:
    """The service's runtime (database, outbox, settings) the app factory put on the app's state."""
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


async def _shared_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with runtime_of(request).db.session() as session:
        yield session
        await session.commit()


async def _provisioned_tenant(request: Request, principal: TenantPrincipal) -> uuid.UUID:
    runtime = runtime_of(request)
    tenant_id = principal.tenant
    if runtime.tenants is None:
        raise RuntimeError(f"{runtime.settings.service_name} has no tenant tables")
    tenant_id_var.set(str(tenant_id))
    await runtime.tenants.ensure(tenant_id)
    return tenant_id


# The caller's tenant, its schema provisioned: for handlers that open their own sessions (streamed exports).
ProvisionedTenant = Annotated[uuid.UUID, Depends(_provisioned_tenant)]


async def _tenant_session(request: Request, tenant_id: ProvisionedTenant) -> AsyncIterator[AsyncSession]:
    async with runtime_of(request).db.tenant_session(tenant_id) as session:
        yield session
        await session.commit()


# scope="function": the commit happens before the response is sent, so a client never sees a 200
# for a change that then failed to commit.
SharedSession = Annotated[AsyncSession, Depends(_shared_session, scope="function")]
TenantSession = Annotated[AsyncSession, Depends(_tenant_session, scope="function")]


def _outbox(request: Request) -> Outbox:
    return runtime_of(request).outbox


AppOutbox = Annotated[Outbox, Depends(_outbox)]
