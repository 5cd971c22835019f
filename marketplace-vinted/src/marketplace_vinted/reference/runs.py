"""The book-keeping of a scheduled refresh run (``shared.reference_refresh``): each list's last part ticks it
off; the run succeeds once every list is in, and fails (to be tried again later) when one cannot be had."""

from __future__ import annotations

import logging
import uuid

import sqlalchemy as sa
from vitrine_contracts.relay.v1 import FetchReferenceParams
from vitrine_kit.db.base import utcnow

from marketplace_vinted.models import ReferenceRefresh
from marketplace_vinted.scope import Scope

logger = logging.getLogger(__name__)
ROW = 1


def list_key(params: FetchReferenceParams) -> str:
    """One list of a refresh: ``brands:``, ``conditions:257``."""
    return f"{params.what.value}:{params.catalog_id or ''}"


class RefreshRuns:
    async def list_done(self, scope: Scope, run_id: uuid.UUID | None, params: FetchReferenceParams) -> None:
        """``params``'s list is whole; the run succeeds when it was the last one it waited for."""
        if run_id is None:
            return
        left = await scope.session.scalar(
            sa.update(ReferenceRefresh)
            .where(ReferenceRefresh.id == ROW, ReferenceRefresh.run_id == run_id)
            .values(pending=sa.func.array_remove(ReferenceRefresh.pending, list_key(params)))
            .returning(sa.func.cardinality(ReferenceRefresh.pending))
        )
        if left != 0:  # None: the run is over already (timed out, or this list came twice)
            return
        row = await scope.session.get(ReferenceRefresh, ROW, populate_existing=True)
        if row is None or row.run_id != run_id:
            return
        now, settings = utcnow(), scope.context.settings
        started = row.run_started_at
        row.succeed(now, settings.reference_refresh_s)
        scope.context.refresh_metrics.runs.labels("succeeded").inc()
        scope.context.refresh_metrics.last_success.set(now.timestamp())
        took = (now - started).total_seconds() if started else None
        logger.info("vinted reference refreshed", extra={"run_id": str(run_id), "took_s": took})

    async def list_failed(self, scope: Scope, run_id: uuid.UUID | None, why: str) -> None:
        """A list of the run cannot be had: the run failed, and is tried again after ``REFERENCE_RETRY_S``."""
        if run_id is None:
            return
        row = await scope.session.scalar(
            sa.select(ReferenceRefresh)
            .where(ReferenceRefresh.id == ROW, ReferenceRefresh.run_id == run_id)
            .with_for_update()
        )
        if row is None:
            return
        row.fail(utcnow(), scope.context.settings.reference_retry_s, why)
        scope.context.refresh_metrics.runs.labels("failed").inc()
        logger.warning(
            "vinted reference refresh failed: tried again later",
            extra={"run_id": str(run_id), "why": why, "failures": row.failures},
        )


refresh_runs = RefreshRuns()
