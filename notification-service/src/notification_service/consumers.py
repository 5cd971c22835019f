"""Event handlers: what the fleet emits becomes feed items (and mails); auth-service's events say who the
account's owners are and where to write to them."""

from __future__ import annotations

from vitrine_contracts.ai import AnalysisCompleted, AnalysisFailed
from vitrine_contracts.billing import CreditsExhausted, CreditsLow, PaymentFailed, SubscriptionChanged
from vitrine_contracts.catalog import (
    OrderCancelled,
    OrderReceived,
    OversellDetected,
    ProductSold,
    PublicationDelisted,
    PublicationDelistFailed,
    PublicationFailed,
    PublicationRequested,
    PublicationStarted,
    PublicationSucceeded,
)
from vitrine_contracts.common import Marketplace
from vitrine_contracts.identity import (
    MemberAdded,
    MemberRemoved,
    MemberRoleChanged,
    TenantCreated,
    TenantDeleted,
    UserLanguageChanged,
    UserRegistered,
)
from vitrine_contracts.marketplace import AccountSessionExpired, ListingImported
from vitrine_contracts.vinted import VintedItemImported
from vitrine_kit.events.consumer import EventConsumer, EventContext

from notification_service import schedule
from notification_service.context import NotifyContext
from notification_service.feed import drafts
from notification_service.feed.service import feed_service
from notification_service.imports.service import import_service
from notification_service.mail.service import mail_service
from notification_service.recipients.service import recipient_service
from notification_service.scope import Scope

# Every handler only touches this service's database: bursts of a tenant's events share a transaction.
consumer: EventConsumer[NotifyContext] = EventConsumer("notification-service.events", batchable=True)


# --- what the seller reads -------------------------------------------------------------------------------


@consumer.on(PublicationRequested, bindings=("publication.requested.*",))
async def requested(scope: Scope, event: PublicationRequested) -> None:
    await drafts.remember_title(scope, event)


@consumer.on(PublicationStarted)
async def started(scope: Scope, event: PublicationStarted) -> None:
    await feed_service.record(scope, await drafts.started(scope, event))


@consumer.on(PublicationSucceeded)
async def succeeded(scope: Scope, event: PublicationSucceeded) -> None:
    await feed_service.record(scope, await drafts.succeeded(scope, event))


@consumer.on(PublicationFailed)
async def failed(scope: Scope, event: PublicationFailed) -> None:
    await feed_service.record(scope, await drafts.failed(scope, event))


@consumer.on(PublicationDelisted)
async def delisted(scope: Scope, event: PublicationDelisted) -> None:
    await feed_service.record(scope, await drafts.delisted(scope, event))


@consumer.on(PublicationDelistFailed)
async def delist_failed(scope: Scope, event: PublicationDelistFailed) -> None:
    await feed_service.record(scope, await drafts.delist_failed(scope, event))


@consumer.on(ProductSold)
async def sold(scope: Scope, event: ProductSold) -> None:
    await feed_service.record(scope, await drafts.sold(scope, event))


@consumer.on(OrderReceived)
async def order(scope: Scope, event: OrderReceived) -> None:
    await feed_service.record(scope, await drafts.order(scope, event))


@consumer.on(OrderCancelled)
async def order_cancelled(scope: Scope, event: OrderCancelled) -> None:
    await feed_service.record(scope, await drafts.order_cancelled(scope, event))


@consumer.on(OversellDetected)
async def oversold(scope: Scope, event: OversellDetected) -> None:
    await feed_service.record(scope, await drafts.oversold(scope, event))


@consumer.on(AccountSessionExpired)
async def session_expired(scope: Scope, event: AccountSessionExpired) -> None:
    await feed_service.record(scope, await drafts.session_expired(scope, event))


@consumer.on(CreditsLow)
async def credits_low(scope: Scope, event: CreditsLow) -> None:
    await feed_service.record(scope, await drafts.credits_low(scope, event))


@consumer.on(CreditsExhausted)
async def credits_exhausted(scope: Scope, event: CreditsExhausted) -> None:
    await feed_service.record(scope, await drafts.credits_exhausted(scope, event))


@consumer.on(SubscriptionChanged)
async def plan_changed(scope: Scope, event: SubscriptionChanged) -> None:
    await feed_service.record(scope, await drafts.plan_changed(scope, event))


@consumer.on(PaymentFailed)
async def payment_failed(scope: Scope, event: PaymentFailed) -> None:
    await feed_service.record(scope, await drafts.payment_failed(scope, event))


@consumer.on(AnalysisCompleted)
async def analysis_completed(scope: Scope, event: AnalysisCompleted) -> None:
    await feed_service.record(scope, await drafts.analysis_completed(scope, event))


@consumer.on(AnalysisFailed)
async def analysis_failed(scope: Scope, event: AnalysisFailed) -> None:
    await feed_service.record(scope, await drafts.analysis_failed(scope, event))


@consumer.on(ListingImported)
async def listing_imported(scope: Scope, event: ListingImported) -> None:
    draft = await import_service.counted(
        scope, marketplace=event.marketplace, import_id=event.import_id, total=event.import_total
    )
    if draft is not None:
        await feed_service.record(scope, draft)


@consumer.on(VintedItemImported)
async def vinted_item_imported(scope: Scope, event: VintedItemImported) -> None:
    draft = await import_service.counted(scope, marketplace=Marketplace.VINTED, import_id=None, total=None)
    if draft is not None:
        await feed_service.record(scope, draft)


# --- who receives the e-mails ----------------------------------------------------------------------------


@consumer.on(TenantCreated)
async def tenant_created(scope: Scope, event: TenantCreated) -> None:
    await recipient_service.owner(scope, event.owner_user_id)


@consumer.on(UserRegistered)
async def user_registered(scope: Scope, event: UserRegistered) -> None:
    await recipient_service.registered(scope, event.user_id, str(event.email))


@consumer.on(MemberAdded)
async def member_added(scope: Scope, event: MemberAdded) -> None:
    await recipient_service.member(
        scope, event.user_id, event.role, str(event.email) if event.email else None
    )


@consumer.on(MemberRoleChanged)
async def member_role_changed(scope: Scope, event: MemberRoleChanged) -> None:
    await recipient_service.member(
        scope, event.user_id, event.role, str(event.email) if event.email else None
    )


@consumer.on(UserLanguageChanged)
async def language_changed(scope: Scope, event: UserLanguageChanged) -> None:
    # The event's time orders the choices: a replayed or late event never undoes a later one.
    await recipient_service.language_changed(scope, event.user_id, event.language, scope.event.occurred_at)


@consumer.on(MemberRemoved)
async def member_removed(scope: Scope, event: MemberRemoved) -> None:
    await recipient_service.removed(scope, event.user_id)


@consumer.on_shared(TenantDeleted)
async def tenant_deleted(ctx: EventContext[NotifyContext], event: TenantDeleted) -> None:
    # The kit drops the tenant's schema; what waits in shared tables goes too.
    await mail_service.forget_tenant(ctx.session, event.tenant_id)
    await schedule.forget_tenant(ctx.session, event.tenant_id)
