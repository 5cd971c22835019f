"""The dispatch loop: tenants with a plugin online and work due, several replicas safely (SKIP LOCKED);
every ``REPLICA_CHECK_S`` it also takes the devices of silent relay replicas offline (``replicas.py``)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import sqlalchemy as sa
from vitrine_kit.db.base import utcnow

from marketplace_vinted.context import VintedContext
from marketplace_vinted.jobs import outbox_emitter
from marketplace_vinted.models import DispatchTenant
from marketplace_vinted.replicas import reap_replicas

logger = logging.getLogger(__name__)


async def run_dispatcher(context: VintedContext) -> None:
    """Forever: claim due tenants for a few seconds, dispatch each one's jobs in its own transaction."""
    settings, jobs = context.settings, context.jobs
    loop = asyncio.get_running_loop()
    next_reap = loop.time()
    while True:
        if loop.time() >= next_reap:
            next_reap = loop.time() + settings.replica_check_s
            try:
                await reap_replicas(context.db, context.tenants, jobs, settings)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("relay replica check failed")
        try:
            async with context.db.session() as session, session.begin():
                due = sa.select(DispatchTenant.tenant_id).where(
                    DispatchTenant.online, DispatchTenant.wake_at <= utcnow()
                )
                claimed = (
                    (
                        await session.execute(
                            sa.update(DispatchTenant)
                            .where(
                                DispatchTenant.tenant_id.in_(
                                    due.limit(20).with_for_update(skip_locked=True).scalar_subquery()
                                )
                            )
                            .values(wake_at=utcnow() + timedelta(seconds=5))
                            .returning(DispatchTenant.tenant_id)
                        )
                    )
                    .scalars()
                    .all()
                )
            for tenant_id in claimed:
                await context.tenants.ensure(tenant_id)
                async with context.db.tenant_session(tenant_id) as session, session.begin():
                    await jobs.dispatch(session, tenant_id, outbox_emitter(context.outbox, tenant_id))
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("dispatch pass failed")
        await asyncio.sleep(settings.dispatch_poll_s)
