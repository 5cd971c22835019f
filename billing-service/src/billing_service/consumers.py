"""Event handlers: tenants start on the free plan; a deleted tenant's subscription is canceled (before the
message's transaction), then its account closed."""

from __future__ import annotations

from vitrine_contracts.identity import TenantCreated, TenantDeleted
from vitrine_kit.events.consumer import EventConsumer, EventContext, Preparing

from billing_service.accounts.service import account_service
from billing_service.context import BillingContext
from billing_service.scope import Scope

# Not batchable: tenant.deleted calls Stripe.
consumer: EventConsumer[BillingContext] = EventConsumer("billing-service.events")


@consumer.on(TenantCreated)
async def tenant_created(scope: Scope, event: TenantCreated) -> None:
    await account_service.ensure(scope)


async def cancel_subscription(preparing: Preparing[BillingContext], event: TenantDeleted) -> str | None:
    # Before the message's transaction, with no connection held while Stripe answers; safe to repeat.
    return await account_service.cancel_for_deletion(preparing.context, event.tenant_id)


@consumer.on_shared(TenantDeleted, prepare=cancel_subscription)
async def tenant_deleted(ctx: EventContext[BillingContext], event: TenantDeleted) -> None:
    # Service-wide: the kit drops the tenant's schema meanwhile; what is left to do is in ``shared``.
    await account_service.close(ctx.session, event.tenant_id, ctx.prepared)
