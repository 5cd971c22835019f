"""The feed: items stored with the next id of their tenant, announced to every replica, then mailed or
held for the digest as the seller chose; and its history for clients without a stream."""

from __future__ import annotations

from vitrine_contracts.notifications import FeedItemAppended
from vitrine_kit.db.base import utcnow

from notification_service.feed import repository as repo
from notification_service.feed.draft import Draft
from notification_service.feed.schemas import FeedItemOut, FeedPage
from notification_service.mail.service import mail_service
from notification_service.scope import Scope

# Old items are pruned at every this many ids (a delete by primary key range, amortised).
PRUNE_EVERY = 50


class FeedService:
    async def record(self, scope: Scope, draft: Draft) -> int | None:
        """Store ``draft`` as the tenant's next item and announce it; ``None`` if its event had one already."""
        now = utcnow()
        item_id = await repo.add(scope.session, draft, now=now)
        if item_id is None:
            return None  # its id stays unused: streams skip holes
        scope.emit(
            FeedItemAppended(
                item_id=item_id,
                kind=draft.kind,
                occurred_at=draft.occurred_at,
                text=draft.text,
                urgent=draft.urgent,
                data=draft.data,
            )
        )
        if item_id % PRUNE_EVERY == 0:
            keep = scope.context.settings.history_items
            await repo.prune(
                scope.session, below_id=item_id - keep + 1, before=now - scope.context.history_age
            )
        await mail_service.on_item(scope, draft)
        return item_id

    async def history(self, scope: Scope, after: int | None, limit: int) -> FeedPage:
        """Items after ``after`` (oldest first), or the newest ``limit`` when ``after`` is not given."""
        since = utcnow() - scope.context.history_age
        if after is None:
            items = await repo.latest(scope.session, since=since, limit=limit)
            newest = items[-1].id if items else await repo.last_id(scope.session)
            return FeedPage(items=[FeedItemOut.of(i) for i in items], last_id=newest, gap=False)
        items = await repo.after(scope.session, after, since=since, limit=limit)
        oldest = await repo.oldest_id(scope.session, since=since) if after else None
        newest = await repo.last_id(scope.session)
        gap = repo.lost(after, newest=newest, oldest=oldest)
        last = items[-1].id if items else min(after, newest)
        return FeedPage(items=[FeedItemOut.of(i) for i in items], last_id=last, gap=gap)


feed_service = FeedService()
