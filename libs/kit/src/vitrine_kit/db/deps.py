"""Request-scoped sessions: one per request, committed after the handler returns, rolled back on error."""

from __future__ import annotations

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
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


async def _shared_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with runtime_of(request).db.session() as session:
        yield session
        await session.commit()


async def _tenant_session(request: Request, principal: TenantPrincipal) -> AsyncIterator[AsyncSession]:
    runtime = runtime_of(request)
    assert principal.tenant_id is not None
    assert runtime.tenants is not None
    tenant_id_var.set(str(principal.tenant_id))
    await runtime.tenants.ensure(principal.tenant_id)
    async with runtime.db.tenant_session(principal.tenant_id) as session:
        yield session
        await session.commit()


# scope="function": the commit happens before the response is sent, so a client never sees a 200
# for a change that then failed to commit.
SharedSession = Annotated[AsyncSession, Depends(_shared_session, scope="function")]
TenantSession = Annotated[AsyncSession, Depends(_tenant_session, scope="function")]


def _outbox(request: Request) -> Outbox:
    return runtime_of(request).outbox


AppOutbox = Annotated[Outbox, Depends(_outbox)]
