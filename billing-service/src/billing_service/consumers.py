"""Event handlers: tenants start on the free plan; a deleted tenant's subscription is canceled."""

from __future__ import annotations

from vitrine_contracts.identity import TenantCreated, TenantDeleted
from vitrine_kit.events.consumer import EventConsumer, EventContext

from billing_service.accounts.service import account_service
from billing_service.context import BillingContext
from billing_service.scope import Scope

# Not batchable: tenant.deleted calls Stripe.
consumer: EventConsumer[BillingContext] = EventConsumer("billing-service.events")


@consumer.on(TenantCreated)
async def tenant_created(scope: Scope, event: TenantCreated) -> None:
    await account_service.ensure(scope)


@consumer.on_shared(TenantDeleted)
async def tenant_deleted(ctx: EventContext[BillingContext], event: TenantDeleted) -> None:
    # Service-wide: the kit drops the tenant's schema meanwhile; what is left to do is in ``shared``.
    await account_service.close(ctx.session, ctx.context, event.tenant_id)
