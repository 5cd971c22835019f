"""Event handlers: the adapters' publication results, orders, and plan changes."""

from __future__ import annotations

from vitrine_contracts.billing import SubscriptionChanged
from vitrine_contracts.catalog import (
    OrderReceived,
    PublicationDelisted,
    PublicationDelistFailed,
    PublicationFailed,
    PublicationStarted,
    PublicationSucceeded,
)
from vitrine_kit.events.consumer import EventConsumer, EventContext

from catalog_service.context import CatalogContext
from catalog_service.publications.service import publication_service
from catalog_service.quotas.service import quota_service
from catalog_service.sales.service import sale_service
from catalog_service.scope import Scope, event_scope


def build_consumer(context: CatalogContext) -> EventConsumer:
    """One queue for everything catalog-service listens to."""
    # Every handler only touches catalog's database: bursts of a tenant's events share a transaction.
    consumer = EventConsumer("catalog-service.events", batchable=True)

    async def scope_of(ctx: EventContext) -> Scope:
        return await event_scope(ctx, context.settings, await context.reference.get())

    @consumer.on(PublicationStarted)
    async def started(ctx: EventContext, event: PublicationStarted) -> None:
        await publication_service.on_started(await scope_of(ctx), event)

    @consumer.on(PublicationSucceeded)
    async def succeeded(ctx: EventContext, event: PublicationSucceeded) -> None:
        await publication_service.on_succeeded(await scope_of(ctx), event)

    @consumer.on(PublicationFailed)
    async def failed(ctx: EventContext, event: PublicationFailed) -> None:
        await publication_service.on_failed(await scope_of(ctx), event)

    @consumer.on(PublicationDelisted)
    async def delisted(ctx: EventContext, event: PublicationDelisted) -> None:
        await publication_service.on_delisted(await scope_of(ctx), event)

    @consumer.on(PublicationDelistFailed)
    async def delist_failed(ctx: EventContext, event: PublicationDelistFailed) -> None:
        await publication_service.on_delist_failed(await scope_of(ctx), event)

    @consumer.on(OrderReceived)
    async def order(ctx: EventContext, event: OrderReceived) -> None:
        await sale_service.on_order(await scope_of(ctx), event)

    @consumer.on(SubscriptionChanged)
    async def subscription(ctx: EventContext, event: SubscriptionChanged) -> None:
        limit = event.quotas.products if event.status != "canceled" else context.settings.free_plan_products
        await quota_service.set_plan(await scope_of(ctx), event.plan, limit, ctx.envelope.occurred_at)

    return consumer
