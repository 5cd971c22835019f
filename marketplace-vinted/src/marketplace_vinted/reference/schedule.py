"""The scheduled refresh of Vinted's reference data: the same for every seller, so it is fetched at most once
a ``REFERENCE_REFRESH_S`` through any seller whose plugin is online.

One row (``shared.reference_refresh``) says when the next refresh is due and which run is out; each replica's
loop takes it ``FOR UPDATE SKIP LOCKED``, so with several replicas one of them queues the run and the others
pass. A run that fails (a list that cannot be had) or is not whole by ``REFERENCE_RUN_TIMEOUT_S`` (the plugin
went away, the account is paused) is tried again after ``REFERENCE_RETRY_S``, through another seller's plugin
when there is one; each outcome is logged and counted (``vinted_reference_refresh_total{outcome}``).
"""

from __future__ import annotations

import logging
import random
import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from vitrine_kit.db.base import utcnow

from marketplace_vinted.context import VintedContext
from marketplace_vinted.models import DispatchTenant, ReferenceRefresh
from marketplace_vinted.reference.runs import ROW, list_key
from marketplace_vinted.reference.service import reference_service, refresh_lists
from marketplace_vinted.scope import worker_scope

logger = logging.getLogger(__name__)


async def refresh_when_due(context: VintedContext) -> str:
    """One look at the schedule; returns what it did: off, busy (another replica has the row), running,
    not_due, no_plugin, or started (after timed_out, when the previous run was abandoned)."""
    settings, now = context.settings, utcnow()
    if settings.reference_refresh_s <= 0:
        return "off"
    metrics = context.refresh_metrics.runs
    async with context.db.session() as shared, shared.begin():
        await shared.execute(insert(ReferenceRefresh).values(id=ROW, due_at=now).on_conflict_do_nothing())
        row = await shared.scalar(
            sa.select(ReferenceRefresh).where(ReferenceRefresh.id == ROW).with_for_update(skip_locked=True)
        )
        if row is None:
            return "busy"
        if row.run_id is not None:
            if row.run_deadline is not None and row.run_deadline > now:
                return "running"
            missing = ", ".join(row.pending)
            logger.warning(
                "vinted reference refresh timed out: tried again later",
                extra={"run_id": str(row.run_id), "tenant_id": str(row.run_tenant_id), "missing": missing},
            )
            row.fail(now, settings.reference_retry_s, f"not whole in time: {missing}")
            metrics.labels("timed_out").inc()
            return "timed_out"
        if row.due_at > now:
            return "not_due"
        tenant_id = await _a_seller_online(context, row.last_failed_tenant_id)
        if tenant_id is None:
            metrics.labels("no_plugin").inc()
            return "no_plugin"
        run_id = uuid.uuid4()
        await context.tenants.ensure(tenant_id)
        async with context.db.tenant_session(tenant_id) as session, session.begin():
            await reference_service.refresh(worker_scope(session, tenant_id, context), [], run_id)
        pending = [list_key(p) for p in refresh_lists([])]
        row.start(run_id, tenant_id, pending, now, settings.reference_run_timeout_s)
        metrics.labels("started").inc()
        logger.info(
            "vinted reference refresh queued", extra={"run_id": str(run_id), "tenant_id": str(tenant_id)}
        )
        return "started"


async def _a_seller_online(context: VintedContext, avoid: uuid.UUID | None) -> uuid.UUID | None:
    """A tenant with a plugin online, at random, from any database (each indexes its own tenants); the one whose
    run failed last only when it is the only one."""
    online: list[uuid.UUID] = []
    for database in context.db.names:
        async with context.db.database_session(database) as session:
            online.extend(
                (
                    await session.scalars(sa.select(DispatchTenant.tenant_id).where(DispatchTenant.online))
                ).all()
            )
    others = [t for t in online if t != avoid]
    return random.choice(others or online) if online else None
