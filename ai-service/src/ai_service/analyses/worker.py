"""The analysis worker: claims queued analyses, runs the pipeline outside any transaction, records the
outcome, then commits or releases the credits at billing-service.

Each database step is its own short transaction, committed here (the worker is the runner of its
work, as the consumer runner is of a message's). A worker that dies leaves a leased job that another
picks up when the lease ends; the reservation key stays the same, so billing never charges twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

from vitrine_kit.clients.media import MediaUnavailable, PhotoMissing
from vitrine_kit.db.base import utcnow
from vitrine_kit.db.tenancy import TenantGone
from vitrine_kit.scope import Scope

from ai_service.analyses import repository as repo
from ai_service.analyses.service import analysis_service
from ai_service.context import AiContext
from ai_service.credits.client import (
    BillingUnavailable,
    CreditsExhausted,
    ReservationClosed,
    reservation_key,
)
from ai_service.images.prep import UnreadableImage
from ai_service.models import CreditsState, JobState, Settlement
from ai_service.pipeline.run import Tracker
from ai_service.providers.base import ErrorKind, ProviderError

logger = logging.getLogger(__name__)

# Provider failures, as the seller reads them: (code, detail, retryable).
PROVIDER_FAILURES = {
    ErrorKind.RATE_LIMITED: ("provider-busy", "The AI provider is busy; try again in a few minutes.", True),
    ErrorKind.UNAVAILABLE: ("provider-unavailable", "The AI provider is unavailable; try again later.", True),
    ErrorKind.TIMEOUT: ("provider-timeout", "The AI provider took too long; try again later.", True),
    ErrorKind.REFUSED: ("provider-refused", "The AI provider refused the request.", False),
    ErrorKind.INVALID_OUTPUT: (
        "invalid-model-output",
        "The AI's answer could not be used; try again, or with other photos.",
        True,
    ),
}


class Abandoned(Exception):
    """The job was claimed more often than ``job_max_attempts`` (each earlier run died)."""


@dataclass(frozen=True)
class Claimed:
    analysis_id: uuid.UUID
    tenant_id: uuid.UUID
    state: JobState
    settlement: Settlement | None
    reservation_key: str | None
    attempts: int


class Worker:
    def __init__(self, ctx: AiContext) -> None:
        self.ctx = ctx
        self.settings = ctx.settings
        self.tasks: set[asyncio.Task[None]] = set()
        self._first_db = 0

    async def run(self) -> None:
        """Claim and run jobs until cancelled, at most ``worker_concurrency`` at a time."""
        try:
            while True:
                free = self.settings.worker_concurrency - len(self.tasks)
                claimed = await self.claim(free) if free > 0 else []
                for job in claimed:
                    task = asyncio.create_task(self.handle(job), name=f"analysis-{job.analysis_id}")
                    self.tasks.add(task)
                    task.add_done_callback(self.tasks.discard)
                if len(claimed) < free or free <= 0:
                    await asyncio.sleep(self.settings.worker_poll_interval_s)
        finally:
            for task in self.tasks:
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)

    async def claim(self, limit: int) -> list[Claimed]:
        """Up to ``limit`` due jobs from the service's databases (each holds its tenants' jobs), starting
        with a different database each pass so that none waits behind another's backlog."""
        names = self.ctx.db.names
        self._first_db = (self._first_db + 1) % len(names)
        claimed: list[Claimed] = []
        for database in names[self._first_db :] + names[: self._first_db]:
            if len(claimed) >= limit:
                break
            async with self.ctx.db.database_session(database) as session:
                jobs = await repo.claim_jobs(
                    session, limit - len(claimed), timedelta(seconds=self.settings.job_lease_s)
                )
                claimed += [
                    Claimed(j.analysis_id, j.tenant_id, j.state, j.settlement, j.reservation_key, j.attempts)
                    for j in jobs
                ]
                await session.commit()
        return claimed

    @contextlib.asynccontextmanager
    async def scope(self, tenant_id: uuid.UUID) -> AsyncIterator[Scope[AiContext]]:
        """One short transaction of the tenant, committed when the block ends without error."""
        assert self.ctx.tenants is not None, "ai-service has tenant tables"
        await self.ctx.tenants.ensure(tenant_id)
        async with self.ctx.db.tenant_session(tenant_id) as session:
            yield Scope(session=session, tenant_id=tenant_id, context=self.ctx)
            await session.commit()

    async def handle(self, job: Claimed) -> None:
        try:
            if job.state is JobState.SETTLING:
                await self.settle(job.tenant_id, job.analysis_id, job.settlement, job.reservation_key)
            else:
                await self.execute(job)
        except TenantGone:
            await self.drop(
                job.tenant_id, job.analysis_id
            )  # the account and its analyses are gone; billing drops its holds
        except Exception:
            if await self.tenant_deleted(job.tenant_id):  # dropped while the job ran: its tables are gone
                await self.drop(job.tenant_id, job.analysis_id)
                return
            # The lease runs out and another pass tries again; nothing is lost.
            logger.exception("analysis job failed", extra={"analysis_id": str(job.analysis_id)})

    async def tenant_deleted(self, tenant_id: uuid.UUID) -> bool:
        assert self.ctx.tenants is not None, "ai-service has tenant tables"
        self.ctx.tenants.forget(tenant_id)  # ask the database, not this replica's cache
        try:
            await self.ctx.tenants.ensure(tenant_id, provision=False)
        except TenantGone:
            return True
        except Exception:  # the database is unreachable: the lease decides later
            return False
        return False

    async def drop(self, tenant_id: uuid.UUID, analysis_id: uuid.UUID) -> None:
        # The job row is colocated: a tenant session finds it in the tenant's database, schema dropped or not.
        async with self.ctx.db.tenant_session(tenant_id) as session:
            found = await repo.job(session, analysis_id)
            if found is not None:
                await session.delete(found)
            await session.commit()

    async def execute(self, job: Claimed) -> None:
        tenant, analysis_id = job.tenant_id, job.analysis_id
        async with self.scope(tenant) as scope:
            spec = await analysis_service.start(scope, analysis_id)
            record = await repo.get(scope.session, analysis_id)
        if spec is None:  # decided by an earlier run that died before settling
            settlement = Settlement.COMMIT if record and record.result else Settlement.RELEASE
            await self.settle(tenant, analysis_id, settlement, record.reservation_key if record else None)
            return
        # No hold recorded: the asker died while billing reserved; reserve with its key before running.
        unheld = record is not None and record.credits_state is CreditsState.NONE
        if record is not None and unheld and not await self.reserve(job, len(record.image_ids)):
            return
        tracker = Tracker(metrics=self.ctx.ai_metrics)
        failure: tuple[str, str, bool] | None = None
        outcome = None
        try:
            outcome = await asyncio.wait_for(
                self.ctx.pipeline.run(spec, tracker), self.settings.analysis_timeout_s
            )
        except ProviderError as exc:
            failure = PROVIDER_FAILURES[exc.kind]
            logger.warning(
                "analysis failed at the provider", extra={"error": exc.message, "kind": exc.kind.value}
            )
        except PhotoMissing as exc:
            failure = ("photo-missing", str(exc), False)
        except UnreadableImage as exc:
            failure = ("photo-unreadable", f"A photo could not be read: {exc}", False)
        except TimeoutError:
            failure = ("analysis-timeout", "The analysis took too long; try again later.", True)
        except MediaUnavailable as exc:
            if job.attempts < self.settings.job_max_attempts:
                async with self.scope(tenant) as scope:
                    at = utcnow() + timedelta(seconds=self.settings.job_retry_delay_s * job.attempts)
                    await analysis_service.retry_later(scope, analysis_id, at, str(exc))
                return
            failure = ("media-unavailable", "The photos could not be read; try again later.", True)
        except Abandoned:
            failure = ("analysis-abandoned", "The analysis failed several times; try again later.", True)
        except Exception:
            # A bug must not keep the seller's credits: the analysis fails, its credits are released.
            logger.exception("analysis failed unexpectedly", extra={"analysis_id": str(analysis_id)})
            failure = ("internal-error", "The analysis failed; try again later.", True)
        decided = "completed" if outcome is not None else (failure[0] if failure else "internal-error")
        self.ctx.ai_metrics.analyses.labels(decided).inc()
        async with self.scope(tenant) as scope:
            if outcome is not None:
                await analysis_service.succeed(scope, analysis_id, outcome)
            else:
                assert failure is not None, "no outcome means a failure"
                code, detail, retryable = failure
                await analysis_service.fail(
                    scope, analysis_id, code, detail, retryable=retryable, usage=tracker.usage
                )
            record = await repo.get(scope.session, analysis_id)
        key = record.reservation_key if record else None
        await self.settle(tenant, analysis_id, Settlement.COMMIT if outcome else Settlement.RELEASE, key)

    async def reserve(self, job: Claimed, photos: int) -> bool:
        """Reserve the price of an analysis whose asker died before billing's hold was recorded, with the
        asker's key (billing answers the hold it may have made); False when the analysis is not run now."""
        key, price = reservation_key(job.analysis_id), self.settings.analysis_price_credits
        failure: tuple[str, str, bool]
        try:
            await self.ctx.credits.reserve(job.tenant_id, price, key, f"AI analysis of {photos} photos")
        except CreditsExhausted:
            failure = ("credits-exhausted", "You had no AI credits left for this analysis.", False)
        except BillingUnavailable as exc:
            if job.attempts < self.settings.job_max_attempts:
                async with self.scope(job.tenant_id) as scope:
                    at = utcnow() + timedelta(seconds=self.settings.job_retry_delay_s * job.attempts)
                    await analysis_service.retry_later(scope, job.analysis_id, at, str(exc))
                return False
            # A hold made while its answer was lost is released by billing when it expires.
            failure = ("billing-unavailable", "Credits could not be reserved; try again later.", True)
        else:
            async with self.scope(job.tenant_id) as scope:
                await analysis_service.held(scope, job.analysis_id, price, key)
            return True
        self.ctx.ai_metrics.analyses.labels(failure[0]).inc()
        async with self.scope(job.tenant_id) as scope:
            code, detail, retryable = failure
            await analysis_service.fail(scope, job.analysis_id, code, detail, retryable=retryable, usage=[])
        return False

    async def settle(
        self, tenant: uuid.UUID, analysis_id: uuid.UUID, settlement: Settlement | None, key: str | None
    ) -> None:
        """Commit or release the reservation (both idempotent at billing), then close the job."""
        state = CreditsState.NONE
        if key is not None and settlement is not None:
            try:
                if settlement is Settlement.COMMIT:
                    await self.ctx.credits.commit_reservation(key)
                    state = CreditsState.COMMITTED
                else:
                    await self.ctx.credits.release_reservation(key)
                    state = CreditsState.RELEASED
            except BillingUnavailable as exc:
                async with self.scope(tenant) as scope:
                    job = await repo.job(scope.session, analysis_id)
                    if job is not None:
                        job.settle_later(
                            settlement, key, at=utcnow() + timedelta(seconds=self.settings.job_retry_delay_s)
                        )
                        job.last_error = str(exc)[:2000]
                logger.warning("credits not settled yet; will retry", extra={"analysis_id": str(analysis_id)})
                return
            except ReservationClosed as exc:
                # Billing already decided (an expired hold is released): record what it holds.
                logger.error("reservation closed before it was settled", extra={"error": str(exc)})
                state = CreditsState.RELEASED if settlement is Settlement.COMMIT else CreditsState.COMMITTED
        async with self.scope(tenant) as scope:
            await analysis_service.settled(scope, analysis_id, state)


async def run_worker(ctx: AiContext) -> None:
    """The ``analysis-worker`` loop (worker processes only)."""
    await Worker(ctx).run()
