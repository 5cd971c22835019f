from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import aio_pika
import pytest
from aio_pika.exceptions import DeliveryError
from fixture_service.app import consumer
from vitrine_kit.testing.app import running_app
from vitrine_kit.testing.helpers import eventually
from vitrine_kit.testing.proxy import TcpProxy

MOVED = "kittest.moved"  # a routing key this queue handled in an earlier release


async def routed(amqp_url: str, exchange_name: str, routing_key: str) -> bool:
    """Whether a mandatory message published with ``routing_key`` reaches some queue."""
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel(on_return_raises=True)
        exchange = await channel.get_exchange(exchange_name)
        try:
            await exchange.publish(aio_pika.Message(b"{}"), routing_key, mandatory=True)
        except DeliveryError:
            return False
        return True


async def bind(amqp_url: str, runtime, routing_key: str) -> None:
    """What an earlier release left on the broker: this consumer's queue bound to ``routing_key``."""
    runner = next(r for r in runtime.runners if r.consumer is consumer)
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange(runtime.broker.exchange_name)
        queue = await channel.get_queue(runner.queue_name)
        await queue.bind(exchange, routing_key)


class TestRetiredBindings:
    @pytest.mark.parametrize("retired", [(MOVED,), ()], ids=["retired", "still-bound"])
    async def test_a_key_moved_to_another_queue_is_unbound_at_the_next_connect(
        self, fixture_app, amqp_url, monkeypatch, retired
    ) -> None:
        target = urlparse(amqp_url)
        proxy = await TcpProxy(target.hostname or "127.0.0.1", target.port or 5672).start()
        try:
            url = f"amqp://guest:guest@127.0.0.1:{proxy.port}/"
            async with running_app(fixture_app(amqp_url=url)) as (_, runtime):
                exchange = runtime.broker.exchange_name
                runner = next(r for r in runtime.runners if r.consumer is consumer)
                before = runner._channel
                await bind(amqp_url, runtime, MOVED)
                assert await routed(amqp_url, exchange, MOVED)

                monkeypatch.setattr(consumer, "retired", retired)  # the release that moved it
                proxy.refuse()
                await eventually(lambda: not runtime.broker.connected)
                proxy.allow()
                await eventually(lambda: runtime.broker.connected, timeout=30)
                await eventually(
                    lambda: runner._channel is not before, timeout=10
                )  # the queue declared again
                assert await routed(amqp_url, exchange, MOVED) is not bool(retired)
        finally:
            await proxy.stop()


class TestPrefetch:
    @pytest.mark.parametrize(("own", "taken"), [(1, 1), (None, 32)], ids=["its-own", "the-service-s"])
    async def test_a_consumer_may_take_fewer_messages_at_once_than_the_service_s_setting(
        self, fixture_app, monkeypatch, own, taken
    ) -> None:
        monkeypatch.setattr(consumer, "prefetch", own)
        async with running_app(fixture_app(consumer_prefetch=32)) as (_, runtime):
            runner = next(r for r in runtime.runners if r.consumer is consumer)
            assert runner.prefetch == taken
            others = [r.prefetch for r in runtime.runners if r.consumer is not consumer]
            assert set(others) == {32}  # the fixture has other consumers


class TestSharedPrepare:
    def test_a_service_wide_route_may_have_a_prepare_step(self) -> None:
        """Its ``prepare`` runs like a tenant route's (before the transaction, result in ``ctx.prepared``):
        for an event such as tenant.deleted, whose tenant schema may already be gone."""
        from fixture_service.app import Ping
        from vitrine_kit.events.consumer import EventConsumer

        shared: EventConsumer[Any] = EventConsumer("kittest.shared-prepare")

        async def prepare(preparing: Any, event: Any) -> str:
            return "prepared"

        @shared.on_shared(Ping, prepare=prepare)
        async def handle(ctx: Any, event: Any) -> None:
            return None

        route = shared.routes[Ping.event_type]
        assert (route.prepare, route.tenant_scoped, route.handler) == (prepare, False, handle)
