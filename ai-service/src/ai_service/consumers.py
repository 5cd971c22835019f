"""Event handlers: the tenant's plan (its photo cap) from billing-service."""

from __future__ import annotations

from datetime import UTC, datetime

from vitrine_contracts.billing import SubscriptionChanged
from vitrine_kit.events.consumer import EventConsumer

from ai_service.analyses.service import analysis_service
from ai_service.context import AiContext
from ai_service.scope import Scope

consumer: EventConsumer[AiContext] = EventConsumer("ai-service.events", batchable=True)


@consumer.on(SubscriptionChanged)
async def subscription(scope: Scope, event: SubscriptionChanged) -> None:
    free = scope.context.settings.free_photos_per_analysis
    photos = free if event.status == "canceled" else event.quotas.photos_per_analysis
    changed_at = scope.envelope.occurred_at if scope.envelope else datetime.now(UTC)
    await analysis_service.set_plan(scope, event.plan, photos, changed_at)
