"""A relay replica killed without draining sends no plugin.disconnected: it only stops sending
relay.replica.alive. Real RabbitMQ and PostgreSQL, marketplace-vinted running (consumer and dispatcher)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import aio_pika
import sqlalchemy as sa
from marketplace_vinted.config import Settings
from marketplace_vinted.jobs.queue import job_queue
from marketplace_vinted.main import create_app
from marketplace_vinted.models import Alert, Job, JobContext, PluginDevice
from marketplace_vinted.scope import worker_scope
from vitrine_contracts import Event, new_envelope
from vitrine_contracts.relay.v1 import DelistParams
from vitrine_contracts.vinted import PluginConnected, RelayReplicaAlive
from vitrine_kit.testing.app import running_app


async def until(check: Callable[[], Awaitable[bool]], timeout: float) -> float:
    """Seconds until ``check()`` holds (fails after ``timeout``)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while not await check():
        assert loop.time() - start < timeout, f"timed out: {check.__name__}"
        await asyncio.sleep(0.05)
    return loop.time() - start


async def test_a_silent_replica_s_devices_go_offline_and_their_jobs_are_queued_again(
    vinted_db: str, amqp_url: str, broker_namespace: str
) -> None:
    namespace = f"{broker_namespace}{uuid.uuid4().hex[:6]}."
    settings = Settings(
        database_url=vinted_db,
        amqp_url=amqp_url,
        broker_namespace=namespace,
        log_json=False,
        outbox_poll_interval_s=0.2,
        media_url="",
        dispatch_poll_s=0.05,
        replica_timeout_s=2.0,  # ten heartbeats: a loaded machine must not make the live replica look dead
        replica_check_s=0.1,
    )
    dead, live = f"dead-{uuid.uuid4().hex[:6]}", f"live-{uuid.uuid4().hex[:6]}"
    tenant_dead, tenant_live = uuid.uuid4(), uuid.uuid4()
    device_dead, device_live = uuid.uuid4(), uuid.uuid4()
    async with running_app(create_app(settings)) as (_, runtime):
        connection = await aio_pika.connect(amqp_url)
        channel = await connection.channel()
        exchange = await channel.get_exchange(f"{namespace}vitrine.events")

        async def publish(event: Event, tenant_id: uuid.UUID | None) -> None:
            envelope = new_envelope(event, producer="test", tenant_id=tenant_id)
            await exchange.publish(aio_pika.Message(envelope.model_dump_json().encode()), event.routing_key())

        async def heartbeats() -> None:
            while True:
                alive = RelayReplicaAlive(
                    relay_instance=live, interval_s=0.2, connections=1, sent_at=datetime.now(UTC)
                )
                await publish(alive, None)
                await asyncio.sleep(0.2)

        assert runtime.tenants is not None
        for tenant in (tenant_dead, tenant_live):
            await runtime.tenants.ensure(tenant)
        beating = asyncio.create_task(heartbeats())
        try:
            for tenant, device, replica in (
                (tenant_dead, device_dead, dead),
                (tenant_live, device_live, live),
            ):
                await publish(
                    PluginConnected(
                        tenant_id=tenant,
                        device_id=device,
                        relay_instance=replica,
                        connection_id=uuid.uuid4().hex,
                        capabilities=["delist"],
                        max_in_flight=5,  # room beside the syncs dispatched at connect
                        connected_at=datetime.now(UTC),
                    ),
                    tenant,
                )
            db = runtime.db

            async def device(tenant: uuid.UUID, device_id: uuid.UUID) -> PluginDevice | None:
                async with db.tenant_session(tenant) as s:
                    return await s.get(PluginDevice, device_id)

            async def job_status(tenant: uuid.UUID, job_id: uuid.UUID) -> str:
                async with db.tenant_session(tenant) as s:
                    return (await s.execute(sa.select(Job.status).where(Job.id == job_id))).scalar_one()

            async def connected() -> bool:
                return all([await device(tenant_dead, device_dead), await device(tenant_live, device_live)])

            await until(connected, 10)
            delists = {}
            for tenant in (tenant_dead, tenant_live):
                async with db.tenant_session(tenant) as s, s.begin():
                    job = await job_queue.enqueue(
                        worker_scope(s, tenant, runtime.context),  # type: ignore[arg-type]
                        DelistParams(item_id=1),
                        "delist:p1",
                        context=JobContext(publication_id=uuid.uuid4(), product_id=uuid.uuid4()),
                        priority=0,
                    )
                    delists[tenant] = job.id

            async def both_dispatched() -> bool:
                return all([await job_status(t, j) == "dispatched" for t, j in delists.items()])

            await until(both_dispatched, 5)

            # The dead replica went silent at its plugin's hello: within the timeout (plus a check) its device
            # is offline and the delist is queued again, without waiting for the 120 s lease.
            async def dead_offline() -> bool:
                found = await device(tenant_dead, device_dead)
                return found is not None and not found.online

            waited = await until(dead_offline, 8)
            assert waited < settings.replica_timeout_s + 2.0
            assert await job_status(tenant_dead, delists[tenant_dead]) == "queued"
            async with db.tenant_session(tenant_dead) as s:
                alerts = (await s.execute(sa.select(Alert.kind).where(Alert.resolved_at.is_(None)))).scalars()
                assert list(alerts) == ["delist_waiting_for_plugin"]

            # The replica that keeps beating keeps its device online and its job where it is.
            await asyncio.sleep(settings.replica_timeout_s)
            found = await device(tenant_live, device_live)
            assert found is not None
            assert found.online
            assert await job_status(tenant_live, delists[tenant_live]) == "dispatched"

            # A replica only taken for dead (a slow consumer) that beats again gets its devices back.
            await publish(
                RelayReplicaAlive(relay_instance=dead, interval_s=0.2, sent_at=datetime.now(UTC)), None
            )

            async def dead_back() -> bool:
                found = await device(tenant_dead, device_dead)
                return found is not None and found.online

            await until(dead_back, 5)
        finally:
            beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beating
            await connection.close()
