"""Results from the plugin (through the relay's ``vinted.job.completed``): parsed with the kind's contract
model and applied once. A result that does not parse is refused and recorded on the job, never applied."""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from pydantic import ValidationError
from vitrine_contracts.relay.v1 import JobError, VintedSession, parse_data
from vitrine_contracts.vinted import VintedJobCompleted
from vitrine_kit.db.base import utcnow

from marketplace_vinted.accounts.service import account_service
from marketplace_vinted.jobs import handlers
from marketplace_vinted.jobs import repository as repo
from marketplace_vinted.jobs.queue import job_queue
from marketplace_vinted.listings.service import seller_reason
from marketplace_vinted.models import Job
from marketplace_vinted.scope import Scope

logger = logging.getLogger(__name__)
RETRY_LATER = frozenset({"rate_limited", "datadome", "session_expired", "network", "no_vinted_tab", "csrf"})
UNREADABLE = (
    "Your Vitrine plugin sent an answer Vitrine could not read; check the item on Vinted before trying again."
)


class ResultService:
    async def complete(self, scope: Scope, event: VintedJobCompleted) -> None:
        """Apply a result once: a second result for a finished job is ignored."""
        job = await repo.get_locked(scope.session, event.job_id)
        if job is None or job.finished:
            return
        now = utcnow()
        if event.outcome == "undelivered":
            job.requeue(now + timedelta(seconds=1))
            await job_queue.wake(scope, job.not_before)
            return
        calls = [c.model_dump(mode="json") for c in event.calls]
        if event.outcome == "failed":
            if event.error is None:
                await self._refuse(scope, job, event, calls, "a failed result without its error")
            else:
                await self._failed(scope, job, event.error, calls, now)
            return
        try:
            data = parse_data(job.kind, event.data)
        except ValidationError as exc:
            await self._refuse(scope, job, event, calls, f"{job.kind.value} data: {exc}")
            return
        job.succeed(data.model_dump(mode="json"), calls, now)
        await handlers.succeeded(scope, job, data)
        await job_queue.wake(scope)

    async def _failed(
        self, scope: Scope, job: Job, error: JobError, calls: list[dict[str, object]], now: datetime
    ) -> None:
        if error.code not in RETRY_LATER:
            job.fail(error.model_dump(mode="json"), calls, now)
            await handlers.failed(scope, job, seller_reason(error), error.code)
            return
        at = now + timedelta(seconds=1)
        if error.code == "rate_limited":
            at = now + timedelta(seconds=error.retry_after_s or random.uniform(30, 60))
        elif error.code == "datadome":
            await account_service.blocked(scope)
        elif error.code == "session_expired":
            await account_service.session_reported(scope, VintedSession(logged_in=False, checked_at=now))
        job.retry_later(at, error.model_dump(mode="json"), calls)
        await job_queue.wake(scope, at)

    async def _refuse(
        self, scope: Scope, job: Job, event: VintedJobCompleted, calls: list[dict[str, object]], why: str
    ) -> None:
        logger.warning(
            "plugin result refused", extra={"job_id": str(job.id), "kind": job.kind.value, "why": why[:500]}
        )
        error = {"code": "malformed_result", "message": why[:2000]}
        job.fail(error, calls, utcnow(), data=event.data)
        await handlers.failed(scope, job, UNREADABLE, "plugin-result-invalid")


result_service = ResultService()
