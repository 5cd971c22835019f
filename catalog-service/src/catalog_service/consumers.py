"""Event handlers: the adapters' publication results, orders and cancellations, account and photo news,
plan changes, AI analyses (suggestions and the credits they cost); on queues of their own, Vinted's reference
answers (seconds per part) and imported listings (they call media-service)."""

from __future__ import annotations

from datetime import UTC, datetime

from vitrine_contracts.ai import AnalysisCompleted
from vitrine_contracts.billing import SubscriptionChanged
from vitrine_contracts.catalog import (
    OrderCancelled,
    OrderReceived,
    PublicationDelisted,
    PublicationDelistFailed,
    PublicationFailed,
    PublicationStarted,
    PublicationSucceeded,
)
from vitrine_contracts.marketplace import (
    AccountConnected,
    AccountDisconnected,
    AccountSessionExpired,
    ListingImported,
)
from vitrine_contracts.media import ImageDeleted
from vitrine_contracts.vinted import VintedItemImported, VintedReferenceFetched
from vitrine_kit.events.consumer import EventConsumer

from catalog_service.alerts.schemas import AlertKind
from catalog_service.alerts.service import alert_service
from catalog_service.context import CatalogContext
from catalog_service.dashboard.service import dashboard_service
from catalog_service.imports.service import Photos, import_service
from catalog_service.products.photos import photo_service
from catalog_service.publications.service import publication_service
from catalog_service.publications.sites import site_service
from catalog_service.quotas.service import quota_service
from catalog_service.reference.service import reference_service
from catalog_service.sales.service import sale_service
from catalog_service.scope import Scope
from catalog_service.suggestions.service import suggestion_service

# Every handler here only touches catalog's database: bursts of a tenant's events share a transaction.
# Sales and publication results are here: nothing slow may queue in front of them (Vinted's reference answers
# were, until they got their own queue; the old binding is removed at connect).
consumer: EventConsumer[CatalogContext] = EventConsumer(
    "catalog-service.events", batchable=True, retired=(VintedReferenceFetched.event_type,)
)
# Vinted's reference lists: a whole brand list is tens of parts, each seconds of work and each taking its
# fetch's row lock: one at a time, or each part waiting for the lock holds a pooled connection (the pool ran dry).
reference: EventConsumer[CatalogContext] = EventConsumer("catalog-service.reference", prefetch=1)
# Imports fetch photos through media-service (in a prepare step): one message per transaction, never batched.
imports: EventConsumer[CatalogContext] = EventConsumer("catalog-service.imports")


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


@consumer.on(OrderCancelled)
async def order_cancelled(scope: Scope, event: OrderCancelled) -> None:
    await sale_service.on_cancelled(scope, event)


@consumer.on(AccountConnected)
async def account_connected(scope: Scope, event: AccountConnected) -> None:
    await site_service.on_connected(scope, event)


@consumer.on(AccountDisconnected)
async def account_disconnected(scope: Scope, event: AccountDisconnected) -> None:
    await site_service.on_disconnected(scope, event)


@consumer.on(AccountSessionExpired)
async def session_expired(scope: Scope, event: AccountSessionExpired) -> None:
    details = {
        "marketplace": event.marketplace.value,
        "account_id": str(event.account_id),
        "live_listings": event.live_listings,
        "message": f"Reconnect your {event.marketplace.value} account: Vitrine can no longer act on it.",
    }
    once = {"marketplace": event.marketplace.value, "account_id": str(event.account_id)}
    await alert_service.raise_alert(scope, AlertKind.SESSION_EXPIRED, None, details, once_per=once)


@consumer.on(ImageDeleted)
async def image_deleted(scope: Scope, event: ImageDeleted) -> None:
    await photo_service.on_deleted(scope, event.image_id)


@consumer.on(SubscriptionChanged)
async def subscription(scope: Scope, event: SubscriptionChanged) -> None:
    free = scope.context.settings.free_plan_products
    limit = event.quotas.products if event.status != "canceled" else free
    changed_at = scope.envelope.occurred_at if scope.envelope else datetime.now(UTC)
    await quota_service.set_plan(scope, event.plan, limit, changed_at)


@consumer.on(AnalysisCompleted)
async def analysis_completed(scope: Scope, event: AnalysisCompleted) -> None:
    await suggestion_service.on_completed(scope, event)
    await dashboard_service.count_ai_credits(scope, event)


@reference.on(VintedReferenceFetched)
async def vinted_reference(scope: Scope, event: VintedReferenceFetched) -> None:
    await reference_service.on_vinted_fetched(scope, event)


# Their photos are fetched before the message's transaction (``prepare``), with no connection held.
@imports.on_prepared(ListingImported, import_service.prepare_listing)
async def listing_imported(scope: Scope, event: ListingImported, photos: Photos) -> None:
    await import_service.on_listing(scope, event, photos)


@imports.on_prepared(VintedItemImported, import_service.prepare_vinted_item)
async def vinted_item_imported(scope: Scope, event: VintedItemImported, photos: Photos) -> None:
    await import_service.on_vinted_item(scope, event, photos)
