"""Event handlers: the adapters' publication results, orders, and plan changes."""

from __future__ import annotations

from datetime import UTC, datetime

from vitrine_contracts.billing import SubscriptionChanged
from vitrine_contracts.catalog import (
    OrderReceived,
    PublicationDelisted,
    PublicationDelistFailed,
    PublicationFailed,
    PublicationStarted,
    PublicationSucceeded,
)
from vitrine_kit.events.consumer import EventConsumer

from catalog_service.context import CatalogContext
from catalog_service.publications.service import publication_service
from catalog_service.quotas.service import quota_service
from catalog_service.sales.service import sale_service
from catalog_service.scope import Scope

# Every handler only touches catalog's database: bursts of a tenant's events share a transaction.
consumer: EventConsumer[CatalogContext] = EventConsumer("catalog-service.events", batchable=True)


@consumer.on(PublicationStarted)
async def started(scope: Scope, event: PublicationStarted) -> None:
    await publication_service.on_started(scope, event)


@consumer.on(PublicationSucceeded)
async def succeeded(scope: Scope, event: PublicationSucceeded) -> None:
    await publication_service.on_succeeded(scope, event)


@consumer.on(PublicationFailed)
async def failed(scope: Scope, event: PublicationFailed) -> None:
    await publication_service.on_failed(scope, event)


@consumer.on(PublicationDelisted)
async def delisted(scope: Scope, event: PublicationDelisted) -> None:
    await publication_service.on_delisted(scope, event)


@consumer.on(PublicationDelistFailed)
async def delist_failed(scope: Scope, event: PublicationDelistFailed) -> None:
    await publication_service.on_delist_failed(scope, event)


@consumer.on(OrderReceived)
async def order(scope: Scope, event: OrderReceived) -> None:
    await sale_service.on_order(scope, event)


@consumer.on(SubscriptionChanged)
async def subscription(scope: Scope, event: SubscriptionChanged) -> None:
    free = scope.context.settings.free_plan_products
    limit = event.quotas.products if event.status != "canceled" else free
    changed_at = scope.envelope.occurred_at if scope.envelope else datetime.now(UTC)
    await quota_service.set_plan(scope, event.plan, limit, changed_at)
