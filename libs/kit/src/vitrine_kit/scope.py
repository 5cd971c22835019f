"""One unit of work for a tenant, the same for a request and for a consumed event.

A scope carries the session of its transaction, the tenant (never optional here), the caller when there is
one, the event being handled when there is one, the service's typed context, and ``emit`` — which writes an
event to the outbox in the same transaction, with the request's correlation id or as caused by the event.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts import Envelope, Event

from vitrine_kit.auth.deps import TenantPrincipal
from vitrine_kit.auth.principal import Principal
from vitrine_kit.db.deps import TenantSession

if TYPE_CHECKING:
    from vitrine_kit.context import ServiceContext

ContextT = TypeVar("ContextT", bound="ServiceContext[Any]")


@dataclass(frozen=True, kw_only=True)
class Scope(Generic[ContextT]):
    """What a service's domain code acts with; built per request or per consumed event."""

    session: AsyncSession
    tenant_id: uuid.UUID
    context: ContextT
    principal: Principal | None = None
    envelope: Envelope[Any] | None = None  # its payload is the event being handled

    @property
    def event(self) -> Envelope[Any]:
        """The envelope of the event being handled; only in an event handler's scope."""
        if self.envelope is None:
            raise RuntimeError("this scope is a request's, not an event handler's")
        return self.envelope

    def emit(self, event: Event, *, tenant_id: uuid.UUID | None = None) -> Envelope[Event]:
        """Write ``event`` to the outbox in this scope's transaction (sent only if it commits)."""
        caused_by = self.envelope
        return self.context.outbox.add(
            self.session,
            event,
            tenant_id=tenant_id or self.tenant_id,
            correlation_id=caused_by.correlation_id if caused_by else None,
            causation_id=caused_by.id if caused_by else None,
        )


def context_of(request: Request) -> Any:
    """The service's context, built at start-up (``app.state.context``)."""
    return request.app.state.context


async def request_scope(request: Request, session: TenantSession, principal: TenantPrincipal) -> Scope[Any]:
    """The scope of an authenticated request of a tenant (session committed after the handler)."""
    return Scope(
        session=session, tenant_id=principal.tenant, context=context_of(request), principal=principal
    )


# A service narrows these to its own context: ``RequestScope = Annotated[Scope[MyContext], Depends(request_scope)]``.
AnyRequestScope = Annotated[Scope[Any], Depends(request_scope)]
