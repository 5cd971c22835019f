"""What a consumer handles: the handlers registered per event type (:class:`EventConsumer`), what each one
gets (a tenant's :class:`~vitrine_kit.scope.Scope`, or an :class:`EventContext` service-wide), and the
optional ``prepare`` step run before the message's transaction (:class:`Preparing`). The runner that feeds
them from the broker is :mod:`vitrine_kit.events.consumer`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts import Envelope, Event

from vitrine_kit.events.envelopes import EnvelopeParser
from vitrine_kit.events.outbox import Outbox

if TYPE_CHECKING:
    from vitrine_kit.context import ServiceContext
    from vitrine_kit.scope import Scope

E = TypeVar("E", bound=Event)
C = TypeVar("C", bound="ServiceContext[Any]")
P = TypeVar("P")


@dataclass
class EventContext(Generic[C]):
    """What a service-wide handler gets besides its event: its transaction's session, the envelope, the
    outbox and the service's context. Tenant handlers get a :class:`~vitrine_kit.scope.Scope` instead."""

    session: AsyncSession
    envelope: Envelope[Any]  # its payload is the event, parsed
    outbox: Outbox
    context: C
    prepared: Any = None  # what the route's ``prepare`` step returned, if it has one

    def emit(self, event: Event, *, tenant_id: uuid.UUID | None = None) -> Envelope[Event]:
        """Emit a follow-up event in the handler's transaction, caused by the one being handled."""
        return self.outbox.add(
            self.session,
            event,
            tenant_id=tenant_id or self.envelope.tenant_id,
            correlation_id=self.envelope.correlation_id,
            causation_id=self.envelope.id,
        )

    def scope(self, tenant_id: uuid.UUID) -> Scope[Any]:
        """The tenant scope of this message's transaction."""
        from vitrine_kit.scope import Scope

        return Scope(session=self.session, tenant_id=tenant_id, context=self.context, envelope=self.envelope)


@dataclass(frozen=True)
class Preparing(Generic[C]):
    """What a ``prepare`` step gets: the envelope and the service's context, and no session. It runs before
    the message's transaction with no pooled connection held, so it may call other services; a short session
    of its own, closed before any such call, may read what it needs."""

    envelope: Envelope[Any]  # its payload is the event
    context: C

    @property
    def tenant_id(self) -> uuid.UUID:
        """The message's tenant (a tenant route's messages always have one)."""
        if self.envelope.tenant_id is None:
            raise PermanentError(f"{self.envelope.type} carries no tenant_id")
        return self.envelope.tenant_id


Handler = Callable[[EventContext[Any], Any], Awaitable[None]]
Prepare = Callable[[Preparing[Any], Any], Awaitable[Any]]


@dataclass
class Route:
    model: type[Event]
    handler: Handler
    tenant_scoped: bool
    bindings: tuple[str, ...]
    prepare: Prepare | None = None


class PermanentError(Exception):
    """Raised by a handler for a failure no retry can fix: the message goes to the DLQ at once."""


class EventConsumer(Generic[C]):
    """A named queue and the handlers bound to it.

    Handlers registered with :meth:`on` run in a session bound to the envelope's tenant (provisioned on
    first use) and receive a ``Scope``; those registered with :meth:`on_shared` get a service-wide session
    and an :class:`EventContext`.
    """

    def __init__(
        self,
        name: str,
        *,
        batchable: bool = False,
        retired: tuple[str, ...] = (),
        prefetch: int | None = None,
    ) -> None:
        self.name = name
        # Handlers that only touch the database may share one transaction per batch of a tenant's messages.
        # Not for handlers with outside effects (HTTP calls): a failed batch is replayed one by one.
        self.batchable = batchable
        # Routing keys this queue was bound to by an earlier release and no longer handles (moved to another
        # queue): unbound at each connect, so an upgraded fleet stops copying those events here.
        self.retired = retired
        # Messages handled at once (default: the service's ``consumer_prefetch``); 1 for messages that contend
        # for one row and would each hold a pooled connection while they wait for it.
        self.prefetch = prefetch
        self.routes: dict[str, Route] = {}
        self.parser = EnvelopeParser()

    def on(
        self, model: type[E], *, bindings: tuple[str, ...] | None = None
    ) -> Callable[[Callable[[Scope[C], E], Awaitable[None]]], Callable[[Scope[C], E], Awaitable[None]]]:
        """Register the decorated ``handler(scope, event)`` for ``model``'s event type, in its tenant's scope.

        ``bindings`` are the routing keys to bind (default: the event type); an adapter binds only its own
        commands, e.g. ``("publication.requested.ebay",)``. An event without a tenant is dead-lettered.
        """

        def register(
            fn: Callable[[Scope[C], E], Awaitable[None]],
        ) -> Callable[[Scope[C], E], Awaitable[None]]:
            async def in_scope(ctx: EventContext[Any], event: Any) -> None:
                tenant_id = ctx.envelope.tenant_id
                if tenant_id is None:
                    raise PermanentError(f"{ctx.envelope.type} carries no tenant_id")
                await fn(ctx.scope(tenant_id), event)

            self._add(model, in_scope, tenant_scoped=True, bindings=bindings)
            return fn

        return register

    def on_prepared(
        self,
        model: type[E],
        prepare: Callable[[Preparing[C], E], Awaitable[P]],
        *,
        bindings: tuple[str, ...] | None = None,
    ) -> Callable[[Callable[[Scope[C], E, P], Awaitable[None]]], Callable[[Scope[C], E, P], Awaitable[None]]]:
        """Like :meth:`on`, with ``prepare(preparing, event)`` run first, outside the message's transaction
        and with no connection held (calls to other services go there); the decorated
        ``handler(scope, event, prepared)`` gets its result in the transaction.

        ``prepare`` runs again when a delivery is retried, and may run twice for one message delivered twice
        at once: it must be safe to repeat (e.g. media-service finds a photo fetched before by its bytes);
        the handler runs once per message. A message already handled is not prepared again. A route with a
        ``prepare`` step is never handled in a batch.
        """

        def register(
            fn: Callable[[Scope[C], E, P], Awaitable[None]],
        ) -> Callable[[Scope[C], E, P], Awaitable[None]]:
            async def in_scope(ctx: EventContext[Any], event: Any) -> None:
                tenant_id = ctx.envelope.tenant_id
                if tenant_id is None:
                    raise PermanentError(f"{ctx.envelope.type} carries no tenant_id")
                await fn(ctx.scope(tenant_id), event, ctx.prepared)

            self._add(model, in_scope, tenant_scoped=True, bindings=bindings, prepare=prepare)
            return fn

        return register

    def on_shared(
        self,
        model: type[E],
        *,
        bindings: tuple[str, ...] | None = None,
        prepare: Callable[[Preparing[C], E], Awaitable[Any]] | None = None,
    ) -> Callable[
        [Callable[[EventContext[C], E], Awaitable[None]]], Callable[[EventContext[C], E], Awaitable[None]]
    ]:
        """Register the decorated ``handler(ctx, event)`` for ``model``'s event type, service-wide.

        ``prepare`` works as in :meth:`on_prepared` (run first with no connection held, possibly twice; its
        result in ``ctx.prepared``), for a service-wide event such as ``tenant.deleted``, whose tenant
        schema may already be gone."""

        def register(
            fn: Callable[[EventContext[C], E], Awaitable[None]],
        ) -> Callable[[EventContext[C], E], Awaitable[None]]:
            self._add(model, fn, tenant_scoped=False, bindings=bindings, prepare=prepare)
            return fn

        return register

    def _add(
        self,
        model: type[Event],
        handler: Handler,
        *,
        tenant_scoped: bool,
        bindings: tuple[str, ...] | None,
        prepare: Prepare | None = None,
    ) -> None:
        if model.event_type in self.routes:
            raise ValueError(f"{self.name} already handles {model.event_type}")
        self.routes[model.event_type] = Route(
            model, handler, tenant_scoped, bindings or (model.event_type,), prepare
        )
        self.parser.add(model)
