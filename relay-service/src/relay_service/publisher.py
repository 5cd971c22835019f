"""Events out of the relay, each confirmed by the broker (no outbox: the relay has no database).

``publish_confirmed`` is the publish the kit's outbox relay makes inside ``OutboxRelay.publish_batch`` (an
inner function there, not importable): the frame handed to the connection's writer without waiting for it
to reach the socket (``wait=False``), so the channel's lock is held only while queueing it and many
confirms are awaited at once (aio-pika's ``Exchange.publish`` holds the lock until the frame is written,
which capped the relay near 400 events/s under load). It is kept to the kit's signature so that it goes
when the kit exposes its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, HeadersType
from aiormq.exceptions import PublishError
from vitrine_contracts import Event, new_envelope
from vitrine_kit import tracing
from vitrine_kit.events.broker import Broker
from vitrine_kit.logging import request_id_var


class Unroutable(Exception):
    """The broker returned a ``mandatory`` message: no queue is bound for its routing key."""


async def publish_confirmed(
    channel: AbstractChannel,
    *,
    exchange: str,
    routing_key: str,
    body: bytes,
    message_id: str,
    type_: str,
    timeout: float,
    mandatory: bool = False,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Publish one persistent JSON message and wait for the broker's confirm; a Nack or a timeout raises,
    and so does a ``mandatory`` message nobody is bound for (``Unroutable``)."""
    message_headers: HeadersType = {}
    message_headers.update(headers or {})
    properties = aio_pika.Message(
        b"",
        message_id=message_id,
        type=type_,
        content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        headers=message_headers or None,
    ).properties
    underlay = await channel.get_underlay_channel()
    try:
        result = await underlay.basic_publish(  # type: ignore[call-arg]  # aiormq's Channel takes wait=; its ABC omits it
            body,
            exchange=exchange,
            routing_key=routing_key,
            properties=properties,
            mandatory=mandatory,
            timeout=timeout,
            wait=False,
        )
    except PublishError as exc:
        raise Unroutable(routing_key) from exc
    if result is not None and type(result).__name__ != "Ack":
        raise ConnectionError(f"the broker refused the message: {type(result).__name__}")


class EventPublisher:
    """The relay's events on a confirm channel of their own, so acks of consumed jobs never queue behind
    publishes. An event nobody is bound for is dropped by the broker (``mandatory`` off): the relay's
    reports are only of use to whoever listens."""

    def __init__(self, broker: Broker, *, producer: str, timeout_s: float) -> None:
        self.broker = broker
        self.producer = producer
        self.timeout_s = timeout_s
        self._channel: AbstractChannel | None = None
        broker.subscribe(self._on_connected)

    async def _on_connected(self, connection: AbstractConnection) -> None:
        self._channel = await connection.channel(publisher_confirms=True)

    @property
    def ready(self) -> bool:
        return self._channel is not None and not self._channel.is_closed

    async def publish(self, event: Event, tenant_id: uuid.UUID | None) -> None:
        """Publish ``event`` for ``tenant_id`` (None: service-wide) and wait for the confirm."""
        channel = self._channel
        if channel is None or channel.is_closed:
            raise ConnectionError("broker not connected")
        # In the flow of what is being reported: its request id, and its trace context in the headers.
        envelope = new_envelope(
            event, producer=self.producer, tenant_id=tenant_id, correlation_id=request_id_var.get()
        )
        await publish_confirmed(
            channel,
            exchange=self.broker.exchange_name,
            routing_key=event.routing_key(),
            body=envelope.model_dump_json().encode(),
            message_id=str(envelope.id),
            type_=event.event_type,
            timeout=self.timeout_s,
            headers=tracing.inject(),
        )
