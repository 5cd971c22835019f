"""One supervised AMQP connection: retried first connect, and reconnection after the broker goes away.

aio-pika's robust connection restores channels, but not always consumers (and not the topology of queues
declared after a broker restart wiped them), so this class owns the loop instead: connect, let every
subscriber set itself up on the fresh connection, wait for the connection to close, start again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable

import aio_pika
from aio_pika.abc import AbstractConnection

from vitrine_kit.metrics import ServiceMetrics
from vitrine_kit.settings import BaseServiceSettings

logger = logging.getLogger(__name__)
OnConnected = Callable[[AbstractConnection], Awaitable[None]]


class Broker:
    """Keeps a connection to RabbitMQ open and tells subscribers each time a new one is ready."""

    def __init__(
        self,
        url: str,
        *,
        namespace: str = "",
        exchange: str = "vitrine.events",
        connect_timeout_s: float = 5.0,
        metrics: ServiceMetrics | None = None,
        max_backoff_s: float = 10.0,
    ) -> None:
        self.url = url
        self.namespace = namespace
        self.exchange_name = namespace + exchange
        self.connect_timeout_s = connect_timeout_s
        self.metrics = metrics
        self.max_backoff_s = max_backoff_s
        self._subscribers: list[OnConnected] = []
        self._connection: AbstractConnection | None = None
        self._ready = asyncio.Event()
        self._stopping = False
        self.connects = 0
        # Names declared through this broker, so tests can delete their namespace afterwards.
        self.declared_queues: set[str] = set()

    def name(self, local: str) -> str:
        """A queue or exchange name inside this broker's namespace."""
        return self.namespace + local

    def subscribe(self, callback: OnConnected) -> None:
        """Call ``callback`` with every new connection (and now, if one is open)."""
        self._subscribers.append(callback)

    @property
    def connected(self) -> bool:
        return self._connection is not None and not self._connection.is_closed

    async def wait_connected(self, timeout: float | None = None) -> AbstractConnection:
        await asyncio.wait_for(self._ready.wait(), timeout)
        assert self._connection is not None
        return self._connection

    async def declare_exchange(self, connection: AbstractConnection) -> None:
        async with connection.channel() as channel:
            await channel.declare_exchange(self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True)

    async def run(self) -> None:
        """Connect, serve, reconnect; returns only when ``stop`` is called."""
        attempt = 0
        while not self._stopping:
            try:
                connection = await aio_pika.connect(self.url, timeout=self.connect_timeout_s)
            except (TimeoutError, OSError, aio_pika.exceptions.AMQPError) as exc:
                attempt += 1
                delay = min(self.max_backoff_s, 0.2 * 2 ** min(attempt, 8)) * (0.5 + random.random() / 2)
                logger.warning(
                    "broker unreachable, retrying", extra={"error": repr(exc), "retry_in_s": round(delay, 2)}
                )
                await asyncio.sleep(delay)
                continue
            closed = asyncio.Event()
            connection.close_callbacks.add(lambda *_, event=closed: event.set())
            try:
                await self.declare_exchange(connection)
                for subscriber in self._subscribers:
                    await subscriber(connection)
            except Exception:
                logger.exception("broker setup failed; reconnecting")
                await connection.close()
                await asyncio.sleep(0.5)
                continue
            attempt = 0
            self.connects += 1
            self._connection = connection
            self._ready.set()
            if self.metrics:
                self.metrics.broker_connected.set(1)
            logger.info("broker connected", extra={"connects": self.connects})
            await closed.wait()
            self._ready.clear()
            self._connection = None
            if self.metrics:
                self.metrics.broker_connected.set(0)
            if not self._stopping:
                logger.warning("broker connection lost; reconnecting")

    async def stop(self) -> None:
        self._stopping = True
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()


def broker_from_settings(settings: BaseServiceSettings, metrics: ServiceMetrics | None = None) -> Broker:
    """The supervised broker connection a service's settings describe."""
    return Broker(
        settings.amqp_url.get_secret_value(),
        namespace=settings.broker_namespace,
        exchange=settings.events_exchange,
        connect_timeout_s=settings.broker_connect_timeout_s,
        metrics=metrics,
    )
