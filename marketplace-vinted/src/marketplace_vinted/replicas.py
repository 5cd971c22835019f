"""Relay replicas' liveness: a replica killed without draining (kill -9, OOM, node loss) sends no
``plugin.disconnected``; it stops sending ``relay.replica.alive``. Past ``REPLICA_TIMEOUT_S`` of silence its
devices go offline, their dispatched jobs are queued again at once and waiting delists raise the alert."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit.db.base import utcnow
from vitrine_kit.db.engine import Database
from vitrine_kit.db.tenancy import TenantRegistry

from marketplace_vinted.config import Settings
from marketplace_vinted.jobs import JobService
from marketplace_vinted.models import PluginDevice, RelayDevice, RelayReplica

logger = logging.getLogger(__name__)

FORGET_AFTER = timedelta(hours=1)  # a dead replica's rows are kept this long (it may only have been slow)


async def replica_seen(session: AsyncSession, relay_instance: str) -> None:
    """Record a sign of life (a heartbeat, a plugin's hello). ``dead_at`` stays: the reaper revives."""
    now = utcnow()
    await session.execute(
        insert(RelayReplica)
        .values(relay_instance=relay_instance, last_seen_at=now)
        .on_conflict_do_update(
            index_elements=["relay_instance"],
            set_={"last_seen_at": sa.func.greatest(RelayReplica.last_seen_at, now)},
        )
    )


async def reap_replicas(
    db: Database, tenants: TenantRegistry, jobs: JobService, settings: Settings
) -> tuple[list[str], list[str]]:
    """One pass: replicas silent past the timeout → their devices offline; replicas heard from again after
    being taken for dead (a slow consumer, a network blip) → their devices still on them back online.

    The replica rows stay locked (SKIP LOCKED: one worker per replica) until every tenant is done, so a
    crash half-way leaves them to the next pass; the tenant updates are idempotent.
    Returns (dead, revived) replica names.
    """
    now = utcnow()
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
            devices = (
                await shared.execute(
                    sa.select(RelayDevice).where(RelayDevice.relay_instance.in_(dead + revived))
                )
            ).scalars()
            by_tenant: dict[uuid.UUID, list[RelayDevice]] = defaultdict(list)
            for device in devices:
                by_tenant[device.tenant_id].append(device)
            for tenant_id, on_replica in by_tenant.items():
                await tenants.ensure(tenant_id)
                async with db.tenant_session(tenant_id) as session, session.begin():
                    down = [d.device_id for d in on_replica if d.relay_instance in dead]
                    up = [d for d in on_replica if d.relay_instance in revived]
                    if down:
                        await jobs.devices_offline(
                            session,
                            tenant_id,
                            PluginDevice.device_id.in_(down),
                            PluginDevice.relay_instance.in_(dead),
                        )
                    for d in up:
                        await session.execute(
                            sa.update(PluginDevice)
                            .where(
                                PluginDevice.device_id == d.device_id,
                                PluginDevice.relay_instance == d.relay_instance,
                                PluginDevice.connection_id == d.connection_id,
                            )
                            .values(online=True)
                        )
                    if up:
                        await jobs.wake(session, tenant_id, online=True)
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
        forgotten = (
            sa.select(RelayReplica.relay_instance)
            .where(RelayReplica.dead_at < now - FORGET_AFTER)
            .scalar_subquery()
        )
        await shared.execute(sa.delete(RelayDevice).where(RelayDevice.relay_instance.in_(forgotten)))
        await shared.execute(sa.delete(RelayReplica).where(RelayReplica.dead_at < now - FORGET_AFTER))
    for name in dead:
        logger.warning("relay replica silent: its devices are offline", extra={"relay_instance": name})
    for name in revived:
        logger.warning("relay replica heard from again: its devices are back", extra={"relay_instance": name})
    return dead, revived
