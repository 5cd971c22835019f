"""The seller's e-mail preferences: read with their defaults, changed kind by kind."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from vitrine_contracts.notifications import URGENT_KINDS, FeedKind
from vitrine_kit.db.base import utcnow

from notification_service import schedule
from notification_service.models import Delivery, Task
from notification_service.preferences import repository as repo
from notification_service.preferences.schemas import (
    MAILABLE,
    NOT_MAILED,
    KindPreference,
    Preferences,
    PreferencesIn,
)
from notification_service.scope import Scope

NEVER = KindPreference(email=False, delivery=Delivery.DIGEST)


def default(kind: FeedKind) -> KindPreference:
    """Urgent kinds are mailed at once; the others are not mailed until the seller asks."""
    if kind in URGENT_KINDS:
        return KindPreference(email=True, delivery=Delivery.IMMEDIATE)
    return KindPreference(email=False, delivery=Delivery.DIGEST)


class PreferenceService:
    async def get(self, scope: Scope) -> Preferences:
        chosen = await repo.chosen(scope.session)
        kinds = {
            kind: KindPreference(email=p.email, delivery=p.delivery)
            if (p := chosen.get(kind))
            else default(kind)
            for kind in MAILABLE
        }
        hour, zone = await self.digest_time(scope)
        return Preferences(kinds=kinds, digest_hour=hour, timezone=zone.key)

    async def put(self, scope: Scope, change: PreferencesIn) -> Preferences:
        for kind, choice in change.kinds.items():
            await repo.save(scope.session, kind, email=choice.email, delivery=choice.delivery)
        if change.digest_hour is not None or change.timezone is not None:
            hour, zone = await self.digest_time(scope)
            hour = hour if change.digest_hour is None else change.digest_hour
            name = zone.key if change.timezone is None else change.timezone
            await repo.save_mail_settings(scope.session, digest_hour=hour, timezone=name)
            next_at = schedule.next_local_hour(utcnow(), hour, ZoneInfo(name))
            await schedule.move(scope.session, scope.tenant_id, Task.DIGEST, next_at)
        await scope.session.flush()
        scope.context.preference_cache.forget(scope.tenant_id)
        return await self.get(scope)

    async def for_kind(self, scope: Scope, kind: FeedKind) -> KindPreference:
        if kind in NOT_MAILED:
            return NEVER
        cache = scope.context.preference_cache
        choices = cache.get(scope.tenant_id)
        if choices is None:
            rows = await repo.chosen(scope.session)
            choices = {k: KindPreference(email=p.email, delivery=p.delivery) for k, p in rows.items()}
            cache.put(scope.tenant_id, choices)
        return choices.get(kind) or default(kind)

    async def digest_time(self, scope: Scope) -> tuple[int, ZoneInfo]:
        settings = await repo.mail_settings(scope.session)
        if settings is None:
            return scope.context.settings.digest_hour, ZoneInfo("UTC")
        return settings.digest_hour, ZoneInfo(settings.timezone)


preference_service = PreferenceService()
