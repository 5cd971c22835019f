"""A reference fetch is a job; its answer is the job's result, and, normalised, the event
``marketplace.vinted.reference.fetched`` that catalog keeps as its Vinted mappings.

Lists are fetched in parts (``contracts/relay/README.md``, reference lists in parts): each part is a job,
its answer one event of a bounded size, and the next part is queued when one comes back. Parts are keyed by
(fetch, offset), so a result delivered twice queues nothing twice; a part from another snapshot than the
earlier ones (the list changed on Vinted meanwhile) starts the list again under a new fetch id. A part
declaring a list longer than any of its kind has (``MAX_REFERENCE_TOTAL``), or one whose list would need more
than ``REFERENCE_MAX_PARTS`` parts, is refused before another part is asked for.

A seller's own asks go through ``asks.py`` first (one fetch of a list at a time, a cooldown); the scheduled
refresh does not.
"""

from __future__ import annotations

import logging
import uuid

from vitrine_contracts.relay.v1 import (
    MAX_REFERENCE_TOTAL,
    FetchReferenceParams,
    ReferenceData,
    ReferenceKind,
    ReferencePart,
)
from vitrine_kit.db.base import utcnow

from marketplace_vinted.jobs.queue import job_queue
from marketplace_vinted.jobs.schemas import JobOut
from marketplace_vinted.models import Job, JobContext
from marketplace_vinted.reference.asks import reference_asks
from marketplace_vinted.reference.normalise import normalise
from marketplace_vinted.reference.runs import list_key, refresh_runs
from marketplace_vinted.scope import Scope

logger = logging.getLogger(__name__)

# A refresh asks about at most this many catalogs (package sizes and conditions are per catalog): each is a
# read through the seller's tab, and Vinted watches bursts.
MAX_REFRESH_CATALOGS = 50
# A list that changes under the fetch this many times in a row is left for the next refresh.
MAX_RESTARTS = 3
REFRESH_PRIORITY = 8  # reference reads go after every seller-facing job


def refresh_lists(catalog_ids: list[int]) -> list[FetchReferenceParams]:
    """What a refresh fetches: the whole tree, every brand, colour and size group; conditions and package
    sizes for each of ``catalog_ids`` (without them, conditions once for all catalogs)."""
    wanted = [
        FetchReferenceParams(what=ReferenceKind.CATALOGS),
        FetchReferenceParams(what=ReferenceKind.BRANDS),
        FetchReferenceParams(what=ReferenceKind.COLORS),
        FetchReferenceParams(what=ReferenceKind.SIZE_GROUPS),
    ]
    if not catalog_ids:
        wanted.append(FetchReferenceParams(what=ReferenceKind.CONDITIONS))
    for catalog_id in dict.fromkeys(catalog_ids):
        wanted.append(FetchReferenceParams(what=ReferenceKind.CONDITIONS, catalog_id=catalog_id))
        wanted.append(FetchReferenceParams(what=ReferenceKind.PACKAGE_SIZES, catalog_id=catalog_id))
    return wanted


class ReferenceService:
    async def request(
        self, scope: Scope, what: ReferenceKind, catalog_id: int | None, keyword: str | None
    ) -> JobOut:
        """Each request fetches anew (reference data changes on Vinted's side), unless this seller's fetch
        of the list is unfinished or the list's cooldown runs (``asks.py``); the job returned is the list's
        first part."""
        params = FetchReferenceParams(what=what, catalog_id=catalog_id, keyword=keyword)
        await reference_asks.admit(scope, [params])
        return JobOut.of(await self._fetch(scope, params, JobContext(reference_fetch=uuid.uuid4())))

    async def refresh(
        self, scope: Scope, catalog_ids: list[int], run_id: uuid.UUID | None = None
    ) -> list[JobOut]:
        """Every list of ``refresh_lists``, each the first part of a fetch of its own, at low priority;
        ``run_id`` when the scheduled refresh asked (else the seller did: ``asks.py`` lets it through or not,
        for all its lists at once)."""
        wanted = refresh_lists(catalog_ids)
        if run_id is None:
            await reference_asks.admit(scope, wanted)
        out = []
        for params in wanted:
            context = JobContext(reference_fetch=uuid.uuid4(), refresh_run=run_id)
            out.append(JobOut.of(await self._fetch(scope, params, context, REFRESH_PRIORITY)))
        return out

    async def fetched(self, scope: Scope, job: Job, data: ReferenceData) -> None:
        """Tell catalog what Vinted answered, and ask for the list's next part until it is whole."""
        params = FetchReferenceParams.model_validate(job.params)
        meta = job.meta
        part = data.part
        if part is not None and not _continues(params, part):
            await self._restart(scope, job, params, part)
            return
        if part is not None and (refused := _implausible(scope, params, part, meta.part)):
            code, why = refused
            logger.warning("reference list refused", extra={"job_id": str(job.id), "code": code, "why": why})
            job.fail({"code": code, "message": why}, job.calls or [], utcnow())
            await refresh_runs.list_failed(scope, meta.refresh_run, f"{list_key(params)}: {code}")
            return
        try:
            event = normalise(params, data, job.completed_at or utcnow(), meta.reference_fetch or job.id)
        except (ValueError, KeyError, TypeError) as exc:
            logger.warning(
                "reference answer unreadable", extra={"job_id": str(job.id), "why": str(exc)[:500]}
            )
            job.fail({"code": "malformed_result", "message": str(exc)[:2000]}, job.calls or [], utcnow())
            await refresh_runs.list_failed(scope, meta.refresh_run, f"{list_key(params)}: unreadable answer")
            return
        next_offset = part.next_offset if part is not None else None
        if next_offset is None:  # the book-keeping before the next job's wake: one lock order for all
            await refresh_runs.list_done(scope, meta.refresh_run, params)
        scope.emit(event)
        if part is not None and next_offset is not None:
            following = params.model_copy(update={"offset": next_offset, "snapshot": part.snapshot})
            await self._fetch(scope, following, meta.model_copy(update={"part": meta.part + 1}), job.priority)

    async def failed(self, scope: Scope, job: Job, code: str) -> None:
        """A part that will not be tried again leaves its list unfinished: the refresh run failed."""
        params = FetchReferenceParams.model_validate(job.params)
        await refresh_runs.list_failed(scope, job.meta.refresh_run, f"{list_key(params)}: {code}")

    async def _restart(
        self, scope: Scope, job: Job, params: FetchReferenceParams, part: ReferencePart
    ) -> None:
        meta = job.meta
        where = {"what": params.what.value, "offset": params.offset, "restarts": meta.restarts}
        if meta.restarts >= MAX_RESTARTS:
            logger.warning("reference list keeps changing mid-fetch: left for the next refresh", extra=where)
            await refresh_runs.list_failed(scope, meta.refresh_run, f"{list_key(params)}: kept changing")
            return
        logger.info("reference list changed mid-fetch: fetched again from the top", extra=where)
        again = meta.model_copy(
            update={"reference_fetch": uuid.uuid4(), "restarts": meta.restarts + 1, "part": 0}
        )
        first = params.model_copy(update={"offset": 0, "snapshot": None})
        await self._fetch(scope, first, again, job.priority)

    async def _fetch(
        self, scope: Scope, params: FetchReferenceParams, context: JobContext, priority: int = 5
    ) -> Job:
        """Queue one part (idempotent by fetch and offset)."""
        asked = params.model_copy(update={"part_bytes": scope.context.settings.reference_part_bytes})
        key = f"ref:{context.reference_fetch}:{asked.offset}"
        return await job_queue.enqueue(scope, asked, key, context=context, priority=priority)


def _implausible(
    scope: Scope, params: FetchReferenceParams, part: ReferencePart, index: int
) -> tuple[str, str] | None:
    """(code, why) when ``part`` (the ``index``-th of its fetch) cannot be of a true list: the whole list
    longer than any of its kind, or more parts than ``REFERENCE_MAX_PARTS`` needed to have it."""
    bound = MAX_REFERENCE_TOTAL[params.what]
    if part.total > bound:
        why = f"{params.what.value}: a list of {part.total} entries (at most {bound})"
        return "reference_list_too_long", why
    max_parts = scope.context.settings.reference_max_parts
    if part.next_offset is not None and index + 1 >= max_parts:
        why = f"{params.what.value}: {part.total} entries need more than {max_parts} parts"
        return "reference_too_many_parts", why
    return None


def _continues(params: FetchReferenceParams, part: ReferencePart) -> bool:
    """The part is the one asked for, from the same snapshot as the earlier parts."""
    same = params.snapshot is None or part.snapshot == params.snapshot
    return same and part.offset == params.offset


reference_service = ReferenceService()
