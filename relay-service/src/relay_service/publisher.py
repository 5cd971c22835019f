"""Events out of the relay, each confirmed by the broker (no outbox: the relay has no database), through the
kit's one confirmed publish."""

from __future__ import annotations

import uuid

from aio_pika.abc import AbstractChannel, AbstractConnection
from vitrine_contracts import Event, new_envelope
from vitrine_kit import tracing
from vitrine_kit.events.broker import Broker
from vitrine_kit.events.publish import publish_confirmed
from vitrine_kit.logging import request_id_var


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
            await channel.get_underlay_channel(),
            exchange=self.broker.exchange_name,
            routing_key=event.routing_key(),
            body=envelope.model_dump_json().encode(),
            message_id=str(envelope.id),
            type_=event.event_type,
            timeout=self.timeout_s,
            headers=tracing.inject(),
        )
