"""The feed connections this replica holds, and the per-replica queue that feeds them.

Every replica serving the API declares its own queue (exclusive, deleted with its connection) bound to
``notification.feed.appended``: each stored item reaches every replica once, and is handed to the
connections of its tenant there. Nothing is kept per connection but a short queue of frames; a client that
falls behind it is told to reconnect and resumes from the stored history, which is also where a connection
catches up on whatever it missed (a broker reconnect, an item published out of order).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque
from collections.abc import Iterator

from aio_pika.abc import AbstractConnection, AbstractIncomingMessage
from pydantic import ValidationError
from vitrine_contracts import RawEnvelope
from vitrine_contracts.notifications import FeedItemAppended
from vitrine_kit.events.broker import Broker

from notification_service.feed.schemas import FeedItemOut, StreamEnd
from notification_service.metrics import NotifyMetrics

logger = logging.getLogger(__name__)


def frame(item: FeedItemOut) -> bytes:
    """The SSE event of one item: its id (what ``Last-Event-ID`` sends back) and its JSON."""
    return b"id: %d\ndata: %s\n\n" % (item.id, item.model_dump_json().encode())


def control(event: str, payload: str) -> bytes:
    """A control event (``gap``, ``reconnect``): the default ``message`` listener never sees it."""
    return f"event: {event}\ndata: {payload}\n\n".encode()


class FeedConnection:
    """One open stream: frames waiting for it (at most ``limit``), and why it must end, once it must."""

    __slots__ = ("ending", "limit", "pending", "resync", "tenant_id", "wake")

    def __init__(self, tenant_id: uuid.UUID, limit: int) -> None:
        self.tenant_id = tenant_id
        self.limit = limit
        self.pending: deque[tuple[int, bytes]] = deque()
        self.wake = asyncio.Event()
        self.ending: StreamEnd | None = None
        # Set when items may have been missed (broker reconnect): read the history before the next write.
        self.resync = False

    def offer(self, item_id: int, data: bytes) -> bool:
        """Queue a frame; ``False`` when the queue was full and the connection is now ending."""
        if self.ending is not None:
            return True
        if len(self.pending) >= self.limit:
            # Its frames are dropped, not kept: the client resumes from the stored history.
            self.pending.clear()
            self.end(StreamEnd.SLOW)
            return False
        self.pending.append((item_id, data))
        self.wake.set()
        return True

    def end(self, reason: StreamEnd) -> None:
        if self.ending is None:
            self.ending = reason
        self.wake.set()

    def catch_up(self) -> None:
        self.resync = True
        self.wake.set()


class FeedHub:
    """Connections by tenant; items from the replica's queue go to the connections of their tenant."""

    def __init__(self, broker: Broker, *, instance_id: str, limit: int, metrics: NotifyMetrics) -> None:
        self.broker = broker
        self.instance_id = instance_id
        self.limit = limit
        self.metrics = metrics
        self.by_tenant: dict[uuid.UUID, set[FeedConnection]] = {}
        self.draining = False
        self.consuming = False
        self.connects = 0
        metrics.feed_connections.set_function(lambda: sum(len(c) for c in self.by_tenant.values()))

    def listen(self) -> None:
        """Consume this replica's queue on every broker connection from now on."""
        self.broker.subscribe(self._on_broker)

    @property
    def queue_name(self) -> str:
        return self.broker.name(f"notification.feed.{self.instance_id}")

    async def _on_broker(self, connection: AbstractConnection) -> None:
        channel = await connection.channel()
        exchange = await channel.get_exchange(self.broker.exchange_name, ensure=False)
        queue = await channel.declare_queue(self.queue_name, exclusive=True, auto_delete=True)
        await queue.bind(exchange, FeedItemAppended.event_type)
        self.broker.declared_queues.add(self.queue_name)
        # No acks: the queue dies with the replica anyway, and the history covers what a connection misses.
        await queue.consume(self._on_message, no_ack=True)
        self.consuming = True
        self.connects += 1
        channel.close_callbacks.add(self._on_channel_closed)
        if self.connects > 1:  # items published while the queue was gone are read from the history
            for conn in self.connections():
                conn.catch_up()

    def _on_channel_closed(self, *_: object) -> None:
        self.consuming = False

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        try:
            envelope = RawEnvelope.model_validate_json(message.body)
            event = FeedItemAppended.model_validate(envelope.payload)
        except (ValidationError, ValueError):
            logger.warning("unreadable feed item dropped")
            return
        if envelope.tenant_id is not None:
            self.deliver(envelope.tenant_id, event)

    def deliver(self, tenant_id: uuid.UUID, event: FeedItemAppended) -> None:
        """Hand an item to this tenant's connections (the frame is built once for all of them)."""
        conns = self.by_tenant.get(tenant_id)
        if not conns:
            return
        data = frame(FeedItemOut.of_event(event))
        for conn in list(conns):
            if not conn.offer(event.item_id, data):
                self.metrics.feed_ended.labels(StreamEnd.SLOW.value).inc()
        self.metrics.feed_items_pushed.inc(len(conns))

    def open(self, tenant_id: uuid.UUID) -> FeedConnection:
        conn = FeedConnection(tenant_id, self.limit)
        self.by_tenant.setdefault(tenant_id, set()).add(conn)
        return conn

    def close(self, conn: FeedConnection) -> None:
        conns = self.by_tenant.get(conn.tenant_id)
        if conns is not None:
            conns.discard(conn)
            if not conns:
                del self.by_tenant[conn.tenant_id]

    def connections(self) -> Iterator[FeedConnection]:
        for conns in list(self.by_tenant.values()):
            yield from list(conns)

    def count(self, tenant_id: uuid.UUID | None = None) -> int:
        if tenant_id is not None:
            return len(self.by_tenant.get(tenant_id, ()))
        return sum(len(c) for c in self.by_tenant.values())

    async def drain(self, timeout_s: float = 5.0) -> None:
        """Tell every stream to reconnect (to another replica), and wait a little for them to end."""
        self.draining = True
        for conn in self.connections():
            conn.end(StreamEnd.DRAINING)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while self.by_tenant and loop.time() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
