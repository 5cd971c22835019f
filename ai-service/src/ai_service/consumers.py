"""Event handlers: the tenant's plan (its photo cap) from billing-service; the account's owners and the
language they chose (the drafts' default) from auth-service; deleted photos from media-service."""

from __future__ import annotations

from datetime import UTC, datetime

from vitrine_contracts.billing import SubscriptionChanged
from vitrine_contracts.identity import (
    MemberAdded,
    MemberRemoved,
    MemberRoleChanged,
    TenantCreated,
    UserLanguageChanged,
    UserRegistered,
)
from vitrine_contracts.media import ImageDeleted
from vitrine_kit.events.consumer import EventConsumer

from ai_service.analyses.service import analysis_service
from ai_service.context import AiContext
from ai_service.members.service import member_service
from ai_service.scope import Scope

consumer: EventConsumer[AiContext] = EventConsumer("ai-service.events", batchable=True)


@consumer.on(SubscriptionChanged)
async def subscription(scope: Scope, event: SubscriptionChanged) -> None:
    free = scope.context.settings.free_photos_per_analysis
    photos = free if event.status == "canceled" else event.quotas.photos_per_analysis
    changed_at = scope.envelope.occurred_at if scope.envelope else datetime.now(UTC)
    await analysis_service.set_plan(scope, event.plan, photos, changed_at)


@consumer.on(TenantCreated)
async def tenant_created(scope: Scope, event: TenantCreated) -> None:
    await member_service.owner(scope, event.owner_user_id)


@consumer.on(UserRegistered)
async def user_registered(scope: Scope, event: UserRegistered) -> None:
    await member_service.owner(scope, event.user_id)


@consumer.on(MemberAdded)
async def member_added(scope: Scope, event: MemberAdded) -> None:
    await member_service.role(scope, event.user_id, event.role)


@consumer.on(MemberRoleChanged)
async def member_role_changed(scope: Scope, event: MemberRoleChanged) -> None:
    await member_service.role(scope, event.user_id, event.role)


@consumer.on(MemberRemoved)
async def member_removed(scope: Scope, event: MemberRemoved) -> None:
    await member_service.removed(scope, event.user_id)


@consumer.on(UserLanguageChanged)
async def language_changed(scope: Scope, event: UserLanguageChanged) -> None:
    # The event's time orders a member's choices: a replayed or late event never undoes a later one.
    changed_at = scope.envelope.occurred_at if scope.envelope else datetime.now(UTC)
    await member_service.language_changed(scope, event.user_id, event.language, changed_at)


@consumer.on(ImageDeleted)
async def image_deleted(scope: Scope, event: ImageDeleted) -> None:
    # Its hash is forgotten: the next request naming it asks media-service again (and gets 422).
    await analysis_service.photo_deleted(scope, event.image_id)
