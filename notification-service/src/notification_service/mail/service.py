"""Which items become e-mails, to whom, and when: queued with the item (once per event and recipient), or
held for the tenant's daily digest (once per recipient and local day)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notification_service import schedule
from notification_service.feed.draft import Draft
from notification_service.mail import templates
from notification_service.mail.catalogue import Language, language_of
from notification_service.models import Delivery, DigestEntry, Mail, MailStatus, Task
from notification_service.preferences.service import preference_service
from notification_service.recipients import repository as recipients
from notification_service.recipients.repository import Addressee
from notification_service.scope import Scope


class MailService:
    async def on_item(self, scope: Scope, draft: Draft) -> None:
        """Mail the item now, hold it for the digest, or neither, as the seller chose for its kind."""
        choice = await preference_service.for_kind(scope, draft.kind)
        if not choice.email:
            return
        if choice.delivery is Delivery.IMMEDIATE:
            await self._queue_item(scope, draft)
        else:
            await self._hold(scope, draft)

    async def _queue_item(self, scope: Scope, draft: Draft) -> None:
        for owner in await recipients.owners(scope.session):
            if draft.kind.value not in owner.unsubscribed:
                language = language_of(owner.language)
                await self._queue(
                    scope,
                    owner,
                    topic=draft.kind.value,
                    key=f"event:{draft.event_id}",
                    subject=templates.subject_of(draft.kind, language),
                    lines=templates.lines_of(draft, language),
                    language=language,
                )

    async def _hold(self, scope: Scope, draft: Draft) -> None:
        entry = insert(DigestEntry).values(
            event_id=draft.event_id,
            kind=draft.kind,
            occurred_at=draft.occurred_at,
            text=draft.text,
            data=draft.data,
        )
        await scope.session.execute(entry.on_conflict_do_nothing())
        hour, zone = await preference_service.digest_time(scope)
        next_at = schedule.next_local_hour(draft.occurred_at, hour, zone)
        await schedule.due_at(scope.session, scope.tenant_id, Task.DIGEST, next_at)

    async def write_digest(self, scope: Scope, now: datetime) -> int:
        """Turn the held entries into one mail per owner for today (in the tenant's zone); returns the mails
        queued. Called by the digest loop once it holds the tenant's claim."""
        entries = (
            (await scope.session.execute(sa.select(DigestEntry).order_by(DigestEntry.id))).scalars().all()
        )
        if not entries:
            return 0
        hour, zone = await preference_service.digest_time(scope)
        key = f"digest:{now.astimezone(zone).date().isoformat()}"
        if await self._digest_written(scope, key):
            # Today's is out already (the hour was moved later): these wait for tomorrow's.
            at = schedule.next_local_hour(now, hour, zone)
            if at.date() == now.astimezone(zone).date():
                at += timedelta(days=1)
            await schedule.due_at(scope.session, scope.tenant_id, Task.DIGEST, at)
            return 0
        queued = 0
        for owner in await recipients.owners(scope.session):
            if templates.DIGEST in owner.unsubscribed:
                continue
            kept = [(e.kind, e.data, e.text) for e in entries if e.kind.value not in owner.unsubscribed]
            if kept:
                language = language_of(owner.language)
                await self._queue(
                    scope,
                    owner,
                    topic=templates.DIGEST,
                    key=key,
                    subject=templates.digest_subject(len(kept), language),
                    lines=templates.digest_lines(kept, language),
                    language=language,
                )
                queued += 1
        await scope.session.execute(sa.delete(DigestEntry).where(DigestEntry.id <= entries[-1].id))
        return queued

    async def _digest_written(self, scope: Scope, key: str) -> bool:
        found = await scope.session.execute(
            sa.select(Mail.id).where(Mail.tenant_id == scope.tenant_id, Mail.dedup_key == key).limit(1)
        )
        return found.scalar() is not None

    async def _queue(
        self,
        scope: Scope,
        owner: Addressee,
        *,
        topic: str,
        key: str,
        subject: str,
        lines: list[str],
        language: Language,
    ) -> None:
        stmt = insert(Mail).values(
            tenant_id=scope.tenant_id,
            user_id=owner.user_id,
            topic=topic,
            dedup_key=key,
            to_address=owner.email,
            subject=subject,
            lines=lines,
            language=language.value,
        )
        # A second delivery of the event (or a second digest the same day) finds the row and adds nothing.
        await scope.session.execute(stmt.on_conflict_do_nothing(constraint="uq_mails_dedup_key"))

    async def forget_tenant(self, session: AsyncSession, tenant_id: uuid.UUID) -> None:
        """A deleted account's mails that are still waiting are never sent."""
        await session.execute(
            sa.delete(Mail).where(Mail.tenant_id == tenant_id, Mail.status == MailStatus.PENDING)
        )


mail_service = MailService()
