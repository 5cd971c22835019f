"""Relay replicas' liveness: a replica killed without draining (kill -9, OOM, node loss) sends no
``plugin.disconnected``; it stops sending ``relay.replica.alive``. Past ``REPLICA_TIMEOUT_S`` of silence its
devices go offline, their dispatched jobs are queued again at once and waiting delists raise the alert."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from datetime import timedelta

import sqlalchemy as sa
from vitrine_kit.db.base import utcnow

from marketplace_vinted.context import VintedContext
from marketplace_vinted.devices.service import device_service
from marketplace_vinted.models import PluginDevice, RelayDevice, RelayReplica
from marketplace_vinted.scope import worker_scope

logger = logging.getLogger(__name__)

FORGET_AFTER = timedelta(hours=1)  # a dead replica's rows are kept this long (it may only have been slow)


async def _devices_on(context: VintedContext, replicas: list[str]) -> list[RelayDevice]:
    """The devices held by these replicas, from every database (each holds those of its tenants)."""
    found: list[RelayDevice] = []
    for database in context.db.names:
        async with context.db.database_session(database) as session:
            rows = await session.scalars(
                sa.select(RelayDevice).where(RelayDevice.relay_instance.in_(replicas))
            )
            found.extend(rows.all())
    return found


async def reap_replicas(context: VintedContext) -> tuple[list[str], list[str]]:
    """One pass: replicas silent past the timeout → their devices offline; replicas heard from again after
    being taken for dead (a slow consumer, a network blip) → their devices still on them back online.

    The replica rows stay locked (SKIP LOCKED: one worker per replica) until every tenant is done, so a
    crash half-way leaves them to the next pass; the tenant updates are idempotent.
    Returns (dead, revived) replica names.
    """
    db, settings, now = context.db, context.settings, utcnow()
    async with db.session() as shared, shared.begin():
        rows = (
            await shared.execute(
                sa.select(RelayReplica.relay_instance, RelayReplica.dead_at)
                .where(
                    sa.or_(
                        sa.and_(
                            RelayReplica.dead_at.is_(None),
                            RelayReplica.last_seen_at < now - timedelta(seconds=settings.replica_timeout_s),
                        ),
                        sa.and_(
                            RelayReplica.dead_at.is_not(None),
                            RelayReplica.last_seen_at > RelayReplica.dead_at,
                        ),
                    )
                )
                .with_for_update(skip_locked=True)
            )
        ).all()
        dead = [r.relay_instance for r in rows if r.dead_at is None]
        revived = [r.relay_instance for r in rows if r.dead_at is not None]
        if rows:
            by_tenant: dict[uuid.UUID, list[RelayDevice]] = defaultdict(list)
            for device in await _devices_on(context, dead + revived):
                by_tenant[device.tenant_id].append(device)
            for tenant_id, on_replica in by_tenant.items():
                await context.tenants.ensure(tenant_id)
                async with db.tenant_session(tenant_id) as session, session.begin():
                    scope = worker_scope(session, tenant_id, context)
                    down = [d.device_id for d in on_replica if d.relay_instance in dead]
                    if down:
                        await device_service.offline(
                            scope, PluginDevice.device_id.in_(down), PluginDevice.relay_instance.in_(dead)
                        )
                    await device_service.back_online(
                        scope, [d for d in on_replica if d.relay_instance in revived]
                    )
            if dead:
                await shared.execute(
                    sa.update(RelayReplica).where(RelayReplica.relay_instance.in_(dead)).values(dead_at=now)
                )
            if revived:
                await shared.execute(
                    sa.update(RelayReplica)
                    .where(RelayReplica.relay_instance.in_(revived))
                    .values(dead_at=None)
                )
        forgotten = list(
            (
                await shared.scalars(
                    sa.select(RelayReplica.relay_instance).where(RelayReplica.dead_at < now - FORGET_AFTER)
                )
            ).all()
        )
        if forgotten:
            # Each database's device rows first: a crash before the replicas' delete only repeats this.
            for database in db.names:
                async with db.database_session(database) as session, session.begin():
                    await session.execute(
                        sa.delete(RelayDevice).where(RelayDevice.relay_instance.in_(forgotten))
                    )
            await shared.execute(sa.delete(RelayReplica).where(RelayReplica.relay_instance.in_(forgotten)))
    for name in dead:
        logger.warning("relay replica silent: its devices are offline", extra={"relay_instance": name})
    for name in revived:
        logger.warning("relay replica heard from again: its devices are back", extra={"relay_instance": name})
    return dead, revived
