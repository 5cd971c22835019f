"""Import progress: one listing imported is one event, but the feed says it at most every
``import_progress_every_s`` per import (and always its first and last count), so that an import of thousands
of listings neither floods the seller's screen nor pushes the rest of the history out."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from vitrine_contracts.common import Marketplace
from vitrine_contracts.notifications import FeedKind
from vitrine_kit.db.base import utcnow

from notification_service import schedule
from notification_service.feed.draft import Draft, name
from notification_service.models import ImportRun, Task
from notification_service.scope import Scope

# Listings of a marketplace that names no import count as one run until it pauses this long.
RUN_PAUSE = timedelta(minutes=10)


def progress(run: ImportRun, *, event_id: uuid.UUID, at: datetime) -> Draft:
    where = name(run.marketplace)
    finished = run.total is not None and run.done >= run.total
    if finished:
        text = f"Imported {run.done} listing{'s' if run.done != 1 else ''} from {where}"
    elif run.total is not None:
        text = f"Importing from {where}: {run.done} of {run.total} listings"
    else:
        text = f"Importing from {where}: {run.done} listing{'s' if run.done != 1 else ''} so far"
    data = {
        "import": run.key,
        "marketplace": run.marketplace.value,
        "done": run.done,
        "total": run.total,
        "finished": finished,
    }
    return Draft(kind=FeedKind.IMPORT_PROGRESS, text=text, occurred_at=at, event_id=event_id, data=data)


class ImportService:
    async def counted(
        self, scope: Scope, *, marketplace: Marketplace, import_id: uuid.UUID | None, total: int | None
    ) -> Draft | None:
        """Count one imported listing; the draft of a progress item when one is due now."""
        now = utcnow()
        key = import_id.hex if import_id else f"{marketplace.value}-run"
        run = await scope.session.get(ImportRun, key, with_for_update=True)
        if run is None:
            run = ImportRun(key=key, marketplace=marketplace, total=total, done=0, told=0)
            scope.session.add(run)
        elif import_id is None and now - run.updated_at > RUN_PAUSE:
            run.done, run.told, run.told_at = 0, 0, None  # a new run of the same marketplace
        run.done += 1
        run.total = total or run.total
        run.updated_at = now
        every = timedelta(seconds=scope.context.settings.import_progress_every_s)
        finished = run.total is not None and run.done >= run.total
        if run.told_at is None or finished or now - run.told_at >= every:
            run.told, run.told_at = run.done, now
            await scope.session.flush()
            return progress(run, event_id=scope.event.id, at=scope.event.occurred_at)
        await scope.session.flush()
        await schedule.due_at(scope.session, scope.tenant_id, Task.IMPORTS, run.told_at + every)
        return None

    async def untold(self, scope: Scope) -> list[Draft]:
        """Progress not said yet (counts that came within the interval): said now, by the import loop."""
        now = utcnow()
        runs = (
            (
                await scope.session.execute(
                    sa.select(ImportRun)
                    .where(ImportRun.done > ImportRun.told)
                    .order_by(ImportRun.key)
                    .with_for_update()
                )
            )
            .scalars()
            .all()
        )
        drafts = []
        for run in runs:
            run.told, run.told_at = run.done, now
            drafts.append(progress(run, event_id=uuid.uuid4(), at=now))
        await scope.session.flush()
        return drafts


import_service = ImportService()
