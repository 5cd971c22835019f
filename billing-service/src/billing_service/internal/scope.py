"""The tenant scope of a service's call: the tenant is named by the verified service, not by a token."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Request
from vitrine_kit.auth.principal import Principal
from vitrine_kit.db.deps import runtime_of
from vitrine_kit.logging import tenant_id_var

from billing_service.context import BillingContext
from billing_service.credits import repository
from billing_service.errors import ReservationNotFound
from billing_service.scope import Scope


@asynccontextmanager
async def service_scope(request: Request, tenant_id: uuid.UUID, caller: Principal) -> AsyncIterator[Scope]:
    """A scope in ``tenant_id``'s schema for a caller already checked to be a service; committed on a clean
    exit, so that what the block decided (a refusal's event too) is kept before the answer goes out."""
    runtime = runtime_of(request)
    if runtime.tenants is None:
        raise RuntimeError("billing-service runs without tenant tables")
    tenant_id_var.set(str(tenant_id))
    await runtime.tenants.ensure(tenant_id)
    context: BillingContext = request.app.state.context
    async with runtime.db.tenant_session(tenant_id) as session:
        yield Scope(session=session, tenant_id=tenant_id, context=context, principal=caller)
        await session.commit()


async def tenant_of_reservation(request: Request, key: str) -> uuid.UUID | None:
    """Commit and release name only the key: the reservation says whose it is."""
    async with runtime_of(request).db.session() as session:
        reservation = await repository.reservation(session, key)
        return reservation.tenant_id if reservation is not None else None


@asynccontextmanager
async def reservation_scope(request: Request, key: str, caller: Principal) -> AsyncIterator[Scope]:
    """The scope of the tenant whose reservation ``key`` is, in one transaction with the look-up (one
    connection, one transaction instead of two). Its session is not bound to the tenant's schema: only for
    what touches the shared tables, and for a statement sending the ledger to the tenant's schema itself
    (``repository.commit_held``).
    404 ``reservation-not-found`` for an unknown key."""
    runtime = runtime_of(request)
    if runtime.tenants is None:
        raise RuntimeError("billing-service runs without tenant tables")
    context: BillingContext = request.app.state.context
    async with runtime.db.session() as session:
        tenant_id = await repository.tenant_of_reservation(session, key)
        if tenant_id is None:
            raise ReservationNotFound(f"No reservation has the key '{key}'.")
        tenant_id_var.set(str(tenant_id))
        await runtime.tenants.ensure(tenant_id)
        yield Scope(session=session, tenant_id=tenant_id, context=context, principal=caller)
        await session.commit()
