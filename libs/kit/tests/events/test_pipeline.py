from __future__ import annotations

import asyncio
import uuid
from urllib.parse import urlparse

import aio_pika
import sqlalchemy as sa
from fixture_service.app import Boom, Counter, Fetch, Ping, failures, preparations
from vitrine_contracts import new_envelope
from vitrine_kit.db.models import OutboxMessage
from vitrine_kit.testing.app import running_app
from vitrine_kit.testing.helpers import eventually
from vitrine_kit.testing.proxy import TcpProxy


async def counter(runtime, tenant: uuid.UUID, name: str) -> int:
    async with runtime.db.tenant_session(tenant) as session:
        return (await session.execute(sa.select(Counter.value).where(Counter.name == name))).scalar() or 0


async def publish_raw(runtime, envelope_json: bytes, routing_key: str) -> None:
    connection = await aio_pika.connect(runtime.settings.amqp_url.get_secret_value())
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange(runtime.broker.exchange_name)
        await exchange.publish(aio_pika.Message(envelope_json), routing_key)


class TestOutbox:
    async def test_committed_event_is_handled(self, fixture_app, test_keys) -> None:
        tenant = uuid.uuid4()
        auth = {"Authorization": f"Bearer {test_keys.issue(tenant_id=tenant)}"}
        async with running_app(fixture_app()) as (client, runtime):
            assert (await client.post("/pings/hello", headers=auth)).status_code == 202
            await eventually(lambda: _eq(counter(runtime, tenant, "hello"), 1))

    async def test_rolled_back_event_is_never_published(self, fixture_app, test_keys) -> None:
        tenant = uuid.uuid4()
        auth = {"Authorization": f"Bearer {test_keys.issue(tenant_id=tenant)}"}
        async with running_app(fixture_app()) as (client, runtime):
            failed = await client.post("/pings/ghost?fail=true", headers=auth)
            assert failed.status_code == 500
            assert (await client.post("/pings/after", headers=auth)).status_code == 202
            await eventually(lambda: _eq(counter(runtime, tenant, "after"), 1))
            assert await counter(runtime, tenant, "ghost") == 0
            async with runtime.db.session() as session:
                ghosts = (
                    await session.execute(
                        sa.select(sa.func.count())
                        .select_from(OutboxMessage)
                        .where(OutboxMessage.body["payload"]["name"].astext == "ghost")
                    )
                ).scalar()
            assert ghosts == 0

    async def test_event_committed_while_broker_is_down_is_published_when_it_is_back(
        self, fixture_app, test_keys, amqp_url
    ) -> None:
        tenant = uuid.uuid4()
        auth = {"Authorization": f"Bearer {test_keys.issue(tenant_id=tenant)}"}
        target = urlparse(amqp_url)
        proxy = await TcpProxy(target.hostname or "127.0.0.1", target.port or 5672).start()
        try:
            url = f"amqp://guest:guest@127.0.0.1:{proxy.port}/"
            async with running_app(fixture_app(amqp_url=url)) as (client, runtime):
                proxy.refuse()
                await eventually(lambda: not runtime.broker.connected)
                assert (await client.post("/pings/offline", headers=auth)).status_code == 202
                await asyncio.sleep(0.5)
                async with runtime.db.session() as session:
                    pending = (
                        await session.execute(
                            sa.select(OutboxMessage.sent_at).where(
                                OutboxMessage.body["payload"]["name"].astext == "offline"
                            )
                        )
                    ).scalar_one()
                assert pending is None
                proxy.allow()
                await eventually(lambda: _eq(counter(runtime, tenant, "offline"), 1), timeout=30)
        finally:
            await proxy.stop()


async def _eq(value, expected) -> bool:
    return (await value) == expected


class TestBatching:
    async def test_a_poisoned_batch_is_replayed_one_by_one_and_each_message_counts_once(
        self, fixture_app
    ) -> None:
        from fixture_service.app import Tick

        tenant = uuid.uuid4()
        async with running_app(fixture_app()) as (_client, runtime):
            await runtime.tenants.ensure(tenant)
            runner = next(r for r in runtime.runners if r.consumer.name == "kittest.batched")
            connection = await aio_pika.connect(runtime.settings.amqp_url.get_secret_value())
            async with connection:
                channel = await connection.channel()
                bodies = [
                    new_envelope(Tick(name="tick", poison=(i == 17)), producer="test", tenant_id=tenant)
                    for i in range(40)
                ]
                flushes: list[int] = []
                original = runner._flush

                async def spy(batch):
                    flushes.append(len(batch))
                    await original(batch)

                runner._flush = spy
                exchange = await channel.get_exchange(runtime.broker.exchange_name)
                for envelope in bodies:
                    await exchange.publish(
                        aio_pika.Message(envelope.model_dump_json().encode()), "kittest.tick"
                    )
                # A redelivered copy of a message already in the burst has no second effect.
                await exchange.publish(aio_pika.Message(bodies[3].model_dump_json().encode()), "kittest.tick")
                await eventually(lambda: _eq(counter(runtime, tenant, "tick"), 39), timeout=30)
                dlq = await channel.get_queue(runner.dlq)
                for _ in range(100):
                    dead = await dlq.get(fail=False)
                    if dead:
                        break
                    await asyncio.sleep(0.1)
                assert dead is not None
                assert b"poison" in dead.body
            await asyncio.sleep(0.3)
            assert await counter(runtime, tenant, "tick") == 39
            assert max(flushes) > 1, flushes


class TestRouting:
    async def test_a_command_reaches_only_the_service_bound_to_its_key(self, fixture_app, test_keys) -> None:
        tenant = uuid.uuid4()
        auth = {"Authorization": f"Bearer {test_keys.issue(tenant_id=tenant)}"}
        async with running_app(fixture_app()) as (client, runtime):
            await client.post("/commands/theirs/cmd-theirs", headers=auth)
            await client.post("/commands/mine/cmd-mine", headers=auth)
            await eventually(lambda: _eq(counter(runtime, tenant, "cmd-mine"), 1))
            async with runtime.db.session() as session:
                keys = set(
                    (
                        await session.execute(
                            sa.select(OutboxMessage.routing_key, OutboxMessage.last_error)
                            .where(OutboxMessage.routing_key.like("kittest.command.%"))
                            .where(OutboxMessage.body["tenant_id"].astext == str(tenant))
                        )
                    ).all()
                )
            assert keys == {("kittest.command.mine", None), ("kittest.command.theirs", "unroutable")}
            assert await counter(runtime, tenant, "cmd-theirs") == 0


class TestConsumer:
    async def test_a_message_delivered_twice_has_one_effect(self, fixture_app) -> None:
        tenant = uuid.uuid4()
        async with running_app(fixture_app()) as (_client, runtime):
            await runtime.tenants.ensure(tenant)
            envelope = new_envelope(Ping(name="twice"), producer="test", tenant_id=tenant)
            body = envelope.model_dump_json().encode()
            await publish_raw(runtime, body, "kittest.ping")
            await publish_raw(runtime, body, "kittest.ping")
            envelope2 = new_envelope(Ping(name="twice"), producer="test", tenant_id=tenant)
            await publish_raw(runtime, envelope2.model_dump_json().encode(), "kittest.ping")
            await eventually(lambda: _eq(counter(runtime, tenant, "twice"), 2))
            await asyncio.sleep(0.5)
            assert await counter(runtime, tenant, "twice") == 2

    async def test_a_message_that_always_fails_is_dead_lettered_after_max_attempts(self, fixture_app) -> None:
        tenant = uuid.uuid4()
        name = uuid.uuid4().hex
        async with running_app(fixture_app()) as (_client, runtime):
            runner = runtime.runners[0]
            envelope = new_envelope(Boom(name=name), producer="test", tenant_id=tenant)
            await publish_raw(runtime, envelope.model_dump_json().encode(), "kittest.boom")
            connection = await aio_pika.connect(runtime.settings.amqp_url.get_secret_value())
            async with connection:
                channel = await connection.channel()
                dlq = await channel.get_queue(runner.dlq)
                message = None
                for _ in range(100):
                    message = await dlq.get(fail=False)
                    if message:
                        break
                    await asyncio.sleep(0.1)
                assert message is not None, "nothing reached the DLQ"
                await message.ack()
                assert message.headers["x-attempt"] == 3
                assert "always fails" in str(message.headers["x-last-error"])
            assert failures[name] == 3

    async def test_an_unparseable_message_goes_straight_to_the_dlq(self, fixture_app) -> None:
        async with running_app(fixture_app()) as (_client, runtime):
            runner = runtime.runners[0]
            await publish_raw(runtime, b"{not json", "kittest.ping")
            connection = await aio_pika.connect(runtime.settings.amqp_url.get_secret_value())
            async with connection:
                channel = await connection.channel()
                dlq = await channel.get_queue(runner.dlq)
                for _ in range(100):
                    message = await dlq.get(fail=False)
                    if message:
                        break
                    await asyncio.sleep(0.1)
                assert message is not None
                assert message.body == b"{not json"

    async def test_consumers_receive_again_after_the_connection_is_cut(
        self, fixture_app, test_keys, amqp_url
    ) -> None:
        tenant = uuid.uuid4()
        auth = {"Authorization": f"Bearer {test_keys.issue(tenant_id=tenant)}"}
        target = urlparse(amqp_url)
        proxy = await TcpProxy(target.hostname or "127.0.0.1", target.port or 5672).start()
        try:
            url = f"amqp://guest:guest@127.0.0.1:{proxy.port}/"
            async with running_app(fixture_app(amqp_url=url)) as (client, runtime):
                await client.post("/pings/before", headers=auth)
                await eventually(lambda: _eq(counter(runtime, tenant, "before"), 1))
                connects = runtime.broker.connects
                proxy.cut()
                await eventually(lambda: runtime.broker.connects > connects, timeout=30)
                # The event travels app → proxy → broker → proxy → consumer: both directions were rebuilt.
                await client.post("/pings/after-cut", headers=auth)
                await eventually(lambda: _eq(counter(runtime, tenant, "after-cut"), 1), timeout=30)
        finally:
            await proxy.stop()


class TestPrepare:
    async def test_prepare_runs_with_no_connection_held_and_its_result_reaches_the_handler(
        self, fixture_app
    ) -> None:
        tenant, name = uuid.uuid4(), uuid.uuid4().hex
        async with running_app(fixture_app()) as (_client, runtime):
            await runtime.tenants.ensure(tenant)
            envelope = new_envelope(Fetch(name=name), producer="test", tenant_id=tenant)
            await publish_raw(runtime, envelope.model_dump_json().encode(), "kittest.fetch")
            await eventually(lambda: _eq(counter(runtime, tenant, f"{name}-fetched"), 1))
            assert preparations[name] == [0]
            # Redelivered once handled: neither prepared again nor handled again.
            await publish_raw(runtime, envelope.model_dump_json().encode(), "kittest.fetch")
            await asyncio.sleep(0.5)
            assert preparations[name] == [0]
            assert await counter(runtime, tenant, f"{name}-fetched") == 1

    async def test_a_failed_prepare_or_transaction_is_retried_and_the_effects_happen_once(
        self, fixture_app
    ) -> None:
        tenant, name = uuid.uuid4(), uuid.uuid4().hex
        async with running_app(fixture_app()) as (_client, runtime):
            await runtime.tenants.ensure(tenant)
            event = Fetch(name=name, fail_prepare=1, fail_handler=1)
            envelope = new_envelope(event, producer="test", tenant_id=tenant)
            body = envelope.model_dump_json().encode()
            await publish_raw(runtime, body, "kittest.fetch")
            await publish_raw(runtime, body, "kittest.fetch")  # delivered twice at once
            await eventually(lambda: _eq(counter(runtime, tenant, f"{name}-fetched"), 1), timeout=20)
            await asyncio.sleep(0.5)
            assert await counter(runtime, tenant, f"{name}-fetched") == 1
            # Failed once, rolled back once, then done: prepared three times or more, never holding.
            assert len(preparations[name]) >= 3
            assert set(preparations[name]) == {0}
