"""Dispatch: queued jobs handed to online plugins within their in-flight bound and the account's pacing.

A loop claims due tenants from ``colocated.dispatch_tenants`` of each database with ``FOR UPDATE SKIP
LOCKED`` (safe with several workers), then in the tenant's transaction picks queued jobs (delists first) and writes each dispatch to the
outbox, routed to the relay replica holding the chosen plugin's socket.

The photos of the write that may go out are signed by media-service before that transaction, with no
database connection held while it answers (a short read, closed first, says which job that is): a pass sends
at most one write besides delists, which carry no photos.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from pydantic import ValidationError
from vitrine_contracts.catalog import PublicationStarted
from vitrine_contracts.common import Marketplace
from vitrine_contracts.relay.v1 import (
    WRITE_KINDS,
    JobKind,
    JobParams,
    PhotoRef,
    PublishParams,
    SyncWardrobeParams,
    UpdateParams,
    parse_params,
)
from vitrine_contracts.vinted import VintedJobDispatch
from vitrine_kit.db.base import utcnow

from marketplace_vinted.accounts.service import account_service
from marketplace_vinted.context import VintedContext
from marketplace_vinted.devices import repository as devices_repo
from marketplace_vinted.jobs import handlers
from marketplace_vinted.jobs import repository as repo
from marketplace_vinted.jobs.pacing import Pacing
from marketplace_vinted.jobs.photos import PhotosNotSigned, PhotosUnavailable, SignedPhotos
from marketplace_vinted.jobs.queue import job_queue
from marketplace_vinted.listings import repository as listings_repo
from marketplace_vinted.models import DispatchTenant, Job
from marketplace_vinted.scope import Scope, worker_scope
from marketplace_vinted.sync.service import sync_service

logger = logging.getLogger(__name__)
CLAIM = 20  # tenants per pass
CLAIM_FOR = timedelta(seconds=5)  # a claimed tenant is not looked at by another worker meanwhile


class DispatchService:
    async def dispatch(
        self, scope: Scope, claimed_until: datetime | None = None, signed: SignedPhotos | None = None
    ) -> None:
        """Hand due jobs to online plugins within their in-flight bound and the account's pacing;
        ``claimed_until`` is the dispatch loop's claim on the tenant (see ``JobQueue.reschedule``), ``signed``
        the photos signed before this transaction (a job whose photos were not waits for the next pass)."""
        s, settings, now = scope.session, scope.context.settings, utcnow()
        await repo.expire_leases(s, now)
        devices = await devices_repo.online(s, lock=True)
        if not devices:
            await job_queue.reschedule(
                scope, now + timedelta(seconds=60), online=False, claimed_until=claimed_until
            )
            return
        await sync_service.schedule(scope, now)
        pacing = Pacing(
            account=await account_service.locked(scope),
            used=await repo.writes_since(s, now - timedelta(hours=1)),
            write_running=await repo.write_running(s),
            delist_reserve=settings.delist_reserve,
        )
        busy = await repo.busy_by_device(s)
        free = {d.device_id: d.max_in_flight - busy.get(d.device_id, 0) for d in devices}
        replica = {d.device_id: d.relay_instance for d in devices}
        next_wake = now + timedelta(seconds=settings.idle_wake_s)
        for job in await repo.due(s, now):
            device_id = max(free, key=lambda d: (free[d], str(d)))
            if free[device_id] <= 0:
                break
            wait = pacing.wait_for(job.kind, now)
            if wait is not None:
                next_wake = min(next_wake, wait)
                continue
            try:
                params = await self._outgoing(scope, job, signed)
            except PhotosUnavailable as exc:
                # Not signed yet: the next pass signs them; media-service down: a little while later.
                job.requeue(now if isinstance(exc, PhotosNotSigned) else now + timedelta(seconds=10))
                next_wake = min(next_wake, job.not_before)
                continue
            except ValidationError as exc:  # a row written by an older version that no plugin could run
                job.fail({"code": "invalid_params", "message": str(exc)[:2000]}, [], now)
                await handlers.failed(
                    scope, job, "Vitrine could not prepare this job for Vinted.", "invalid-params"
                )
                continue
            if job.kind in WRITE_KINDS:
                pacing.wrote(now)
            job.dispatch_to(device_id, now, settings.lease_s)
            free[device_id] -= 1
            with job.meta.flow("vinted.job.dispatch"):  # the relay and the result continue this trace
                self._started(scope, job)
                scope.emit(
                    VintedJobDispatch(
                        job_id=job.id,
                        tenant_id=scope.tenant_id,
                        device_id=device_id,
                        relay_instance=replica[device_id],
                        kind=job.kind,
                        attempt=job.attempt,
                        deadline_s=settings.lease_s,
                        params=params.model_dump(mode="json"),
                    )
                )
        due = await repo.next_due(s, now)
        next_wake = min(next_wake, due) if due is not None else next_wake
        await job_queue.reschedule(scope, next_wake, online=True, claimed_until=claimed_until)

    async def run_pass(
        self, context: VintedContext, tenant_id: uuid.UUID, claimed_until: datetime | None = None
    ) -> None:
        """One dispatch pass of a tenant the loop claimed: the next write's photos signed with no connection
        held, then the pass's transaction."""
        await context.tenants.ensure(tenant_id)
        async with context.db.tenant_session(tenant_id) as session:
            job = await repo.next_write(session, utcnow())
            media_ids = self._media_ids(job) if job is not None else []
        # The session is closed: no connection is held while media-service answers.
        signed = await context.photos.sign(tenant_id, media_ids)
        async with context.db.tenant_session(tenant_id) as session, session.begin():
            await self.dispatch(worker_scope(session, tenant_id, context), claimed_until, signed)

    @staticmethod
    def _media_ids(job: Job) -> list[uuid.UUID | None]:
        """The media id of each photo of a publish or update, in order (None: a photo without one)."""
        photos = job.params.get("photos") or []
        # Rows queued before media ids moved to the context kept them beside each photo.
        media_ids = job.meta.media_ids or [p.get("media_id") for p in photos]
        return [
            uuid.UUID(str(m)) if m is not None else None
            for m in (media_ids + [None] * len(photos))[: len(photos)]
        ]

    async def _outgoing(self, scope: Scope, job: Job, signed: SignedPhotos | None) -> JobParams:
        """The params as they go out: fresh signed photo URLs, the wardrobe's live items."""
        params = parse_params(job.kind, job.params)
        if isinstance(params, PublishParams | UpdateParams) and params.photos:
            urls = [p.url for p in params.photos]
            signed_urls = scope.context.photos.apply(signed, self._media_ids(job), urls)
            params = params.model_copy(update={"photos": [PhotoRef(url=u) for u in signed_urls]})
        if isinstance(params, SyncWardrobeParams) and not params.known_item_ids:
            params = params.model_copy(
                update={"known_item_ids": await listings_repo.live_item_ids(scope.session)}
            )
        return params

    @staticmethod
    def _started(scope: Scope, job: Job) -> None:
        meta = job.meta
        if job.kind is JobKind.PUBLISH and meta.publication_id and meta.product_id:
            # The seller sees the listing under way (pacing may have kept it queued until now).
            scope.emit(
                PublicationStarted(
                    publication_id=meta.publication_id,
                    product_id=meta.product_id,
                    marketplace=Marketplace.VINTED,
                    attempt=meta.attempt or job.attempt,
                )
            )


dispatch_service = DispatchService()


async def claim_due(context: VintedContext, database: str) -> tuple[list[uuid.UUID], datetime]:
    """Tenants of ``database`` with a plugin online and work due, marked as claimed for ``CLAIM_FOR`` (SKIP
    LOCKED: safe with several workers); returns them and the mark."""
    now = utcnow()
    claimed_until = now + CLAIM_FOR
    async with context.db.database_session(database) as session, session.begin():
        due = sa.select(DispatchTenant.tenant_id).where(DispatchTenant.online, DispatchTenant.wake_at <= now)
        rows = await session.execute(
            sa.update(DispatchTenant)
            .where(
                DispatchTenant.tenant_id.in_(
                    due.limit(CLAIM).with_for_update(skip_locked=True).scalar_subquery()
                )
            )
            .values(wake_at=claimed_until)
            .returning(DispatchTenant.tenant_id)
        )
        return list(rows.scalars()), claimed_until


async def run_dispatcher(context: VintedContext) -> None:
    """Forever: claim due tenants for a few seconds, dispatch each one's jobs in its own transaction."""
    while True:
        try:
            for database in context.db.names:
                claimed, claimed_until = await claim_due(context, database)
                for tenant_id in claimed:
                    await dispatch_service.run_pass(context, tenant_id, claimed_until)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("dispatch pass failed")
        await asyncio.sleep(context.settings.dispatch_poll_s)
