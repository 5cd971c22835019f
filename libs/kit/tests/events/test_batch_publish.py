"""A relay batch published as one write: delivery tags and confirms as aiormq's own publish registers them,
the messages in order, each message's outcome its own (acked, returned, refused before sending)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import aio_pika
import aiormq
import pytest
from vitrine_kit.events.publish import Outgoing, SentBatch, Unroutable, send_batch


async def _setup(amqp_url: str, namespace: str) -> tuple[aio_pika.abc.AbstractConnection, Any, Any, str]:
    connection = await aio_pika.connect(amqp_url)
    channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
    exchange = f"{namespace}batch.{uuid.uuid4().hex[:6]}"
    await channel.declare_exchange(exchange, aio_pika.ExchangeType.TOPIC, auto_delete=True)
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(exchange, "bound.#")
    return connection, await channel.get_underlay_channel(), queue, exchange


def _message(i: int, key: str = "bound.event") -> Outgoing:
    body = f'{{"seq": {i}}}'.encode()
    return Outgoing(
        key, body, message_id=f"m-{i}", type_=key, headers={"x-attempt": 1, "traceparent": f"t-{i}"}
    )


async def test_a_batch_is_one_write_its_messages_in_order_each_with_its_outcome(
    amqp_url: str, broker_namespace: str
) -> None:
    connection, underlay, queue, exchange = await _setup(amqp_url, broker_namespace)
    async with connection:
        puts: list[Any] = []
        original = underlay.write_queue.put

        async def counted(frame: Any) -> None:
            puts.append(frame)
            await original(frame)

        underlay.write_queue.put = counted
        batch = [_message(i) for i in range(50)]
        batch[10] = _message(10, "nobody.listens")  # returned: mandatory, no queue bound
        batch[20] = _message(20, "bound." + "k" * 300)  # longer than AMQP's 255 bytes: refused alone
        sent = await send_batch(underlay, batch, exchange=exchange, timeout=5, mandatory=True)
        outcomes = await sent.outcomes()
        underlay.write_queue.put = original

        assert len(puts) == 1
        assert isinstance(outcomes[10], Unroutable)
        assert isinstance(outcomes[20], ValueError)
        assert [o for i, o in enumerate(outcomes) if i not in (10, 20)] == [None] * 48
        assert not underlay.confirmations
        assert not underlay.message_id_delivery_tag
        received = []
        async with queue.iterator() as messages:
            async for message in messages:
                received.append(message)
                await message.ack()
                if len(received) == 48:
                    break
        assert [m.message_id for m in received] == [f"m-{i}" for i in range(50) if i not in (10, 20)]
        assert received[0].body == b'{"seq": 0}'
        assert received[0].headers == {"x-attempt": 1, "traceparent": "t-0"}
        assert (received[0].content_type, received[0].type) == ("application/json", "bound.event")
        assert received[0].delivery_mode == aio_pika.DeliveryMode.PERSISTENT

        # aiormq's own publish on the same channel follows with the next tag and gets its confirm.
        confirm = await underlay.basic_publish(b"{}", exchange=exchange, routing_key="bound.after")
        assert isinstance(confirm, aiormq.spec.Basic.Ack)
        assert underlay.delivery_tag == 50  # 49 sent in the batch (one refused before sending) + 1


async def test_a_batch_that_never_reached_the_writer_gives_its_tags_back(
    amqp_url: str, broker_namespace: str
) -> None:
    connection, underlay, _queue, exchange = await _setup(amqp_url, broker_namespace)
    async with connection:
        original = underlay.write_queue.put

        async def cancelled(frame: Any) -> None:
            raise asyncio.CancelledError

        underlay.write_queue.put = cancelled
        with pytest.raises(asyncio.CancelledError):
            await send_batch(
                underlay, [_message(i) for i in range(5)], exchange=exchange, timeout=5, mandatory=True
            )
        underlay.write_queue.put = original
        assert underlay.delivery_tag == 0
        assert not underlay.confirmations
        assert not underlay.message_id_delivery_tag
        sent = await send_batch(
            underlay, [_message(i) for i in range(3)], exchange=exchange, timeout=5, mandatory=True
        )
        assert await sent.outcomes() == [None, None, None]


async def test_a_confirm_not_back_by_the_deadline_is_a_timeout_and_is_given_up() -> None:
    loop = asyncio.get_running_loop()
    late: asyncio.Future[object] = loop.create_future()
    acked: asyncio.Future[object] = loop.create_future()
    acked.set_result(aiormq.spec.Basic.Ack(delivery_tag=1))
    nacked: asyncio.Future[object] = loop.create_future()
    nacked.set_exception(aiormq.exceptions.DeliveryError(None, aiormq.spec.Basic.Nack(delivery_tag=2)))
    sent = SentBatch([acked, nacked, late], loop.time() + 0.05, ["a", "b", "c"])
    ok, refused, timed_out = await sent.outcomes()
    assert ok is None
    assert isinstance(refused, ConnectionError)
    assert "Nack" in str(refused)
    assert isinstance(timed_out, TimeoutError)
    assert late.cancelled()  # a confirm arriving later finds it done and is ignored
