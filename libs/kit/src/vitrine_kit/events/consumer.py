"""Consuming events: durable quorum queues, manual acks, an inbox, retries through TTL queues, a DLQ.

Topology for a consumer named ``catalog.events`` (inside the broker's namespace):

- ``catalog.events``: quorum queue bound to ``vitrine.events`` with the handled routing keys;
- ``catalog.events.retry.<n>``: one queue per delay; expired messages go back by the default exchange;
- ``catalog.events.dlq``: where a message goes after ``max_attempts`` or when it cannot be parsed.

A handler runs in its message's transaction (the inbox row and its effects commit together), so it must not
call another service or a marketplace: its pooled connection would be held meanwhile. Work of that kind goes
in a ``prepare`` step (:meth:`EventConsumer.on_prepared`), run before the transaction with no connection
held; its result is handed to the handler. A message may be prepared more than once (a redelivery while the
first delivery runs, a failed transaction retried), so ``prepare`` must be safe to repeat; the handler's
effects still happen once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractIncomingMessage
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts import Envelope, Event

from vitrine_kit.db.engine import Database
from vitrine_kit.db.shards import TenantMoving
from vitrine_kit.db.tenancy import TenantGone, TenantRegistry
from vitrine_kit.events.acks import BatchAcks
from vitrine_kit.events.broker import Broker
from vitrine_kit.events.inbox import handled, record_many, record_one
from vitrine_kit.events.outbox import Outbox
from vitrine_kit.events.routes import EventConsumer, EventContext, PermanentError, Preparing, Route
from vitrine_kit.logging import request_id_var, tenant_id_var
from vitrine_kit.metrics import ServiceMetrics
from vitrine_kit.tracing import Span, consumer_span, fail

# Services register their handlers with these, imported from here.
__all__ = ["ConsumerRunner", "EventConsumer", "EventContext", "PermanentError", "Preparing"]

logger = logging.getLogger(__name__)


@dataclass
class _Item:
    """A parsed delivery waiting for its batch (or handled alone)."""

    message: AbstractIncomingMessage
    envelope: Envelope[Any]
    route: Route
    event: Event
    attempt: int
    done: asyncio.Future[None]


@contextlib.contextmanager
def _log_context(envelope: Envelope[Any]) -> Iterator[None]:
    """Log lines of a handler carry its flow's correlation id and its tenant."""
    rid = request_id_var.set(envelope.correlation_id or str(envelope.id))
    tid = tenant_id_var.set(str(envelope.tenant_id) if envelope.tenant_id else None)
    try:
        yield
    finally:
        request_id_var.reset(rid)
        tenant_id_var.reset(tid)


@contextlib.contextmanager
def _handling(item: _Item, queue: str) -> Iterator[Span | None]:
    """The log context of a message's handler and its consumer span, child of the producer's."""
    env = item.envelope
    with _log_context(env), consumer_span(queue, env.type, env.id, item.attempt, item.message.headers) as sp:
        yield sp


class _SessionOpener:
    """``async with``: the session a message's handler runs in (tenant-bound, provisioned on first use)."""

    def __init__(self, runner: ConsumerRunner, item: _Item) -> None:
        self.runner, self.item = runner, item
        self.session: AsyncSession | None = None

    async def __aenter__(self) -> AsyncSession:
        route, envelope = self.item.route, self.item.envelope
        if route.tenant_scoped:
            if envelope.tenant_id is None:
                raise PermanentError(f"{envelope.type} carries no tenant_id")
            if self.runner.tenants is None:
                raise PermanentError("a tenant handler in a service without tenant tables")
            await self.runner.tenants.ensure(envelope.tenant_id)
            self.session = self.runner.db.tenant_session(envelope.tenant_id)
        else:
            self.session = self.runner.db.session()
        return await self.session.__aenter__()

    async def __aexit__(self, *exc: object) -> None:
        assert self.session is not None
        await self.session.__aexit__(*exc)  # type: ignore[arg-type]


class ConsumerRunner:
    """Runs one ``EventConsumer`` on the broker's current connection, and again after each reconnect."""

    def __init__(
        self,
        consumer: EventConsumer[Any],
        *,
        broker: Broker,
        db: Database,
        tenants: TenantRegistry | None,
        outbox: Outbox | None,
        context: Any = None,
        metrics: ServiceMetrics | None = None,
        prefetch: int = 32,
        max_attempts: int = 5,
        retry_delays_ms: list[int] | None = None,
        batch_max: int = 64,
        batch_window_s: float = 0.002,
    ) -> None:
        self.consumer = consumer
        # Messages of one tenant delivered together share one transaction (one commit, one inbox insert);
        # a failure in a batch sends each of its messages through the one-by-one path.
        self.batch_max = batch_max
        self.batch_window_s = batch_window_s
        self._forming: dict[uuid.UUID | None, list[_Item]] = {}
        self._draining: set[uuid.UUID | None] = set()
        self._flushes: set[asyncio.Task[None]] = set()
        self.broker = broker
        self.db = db
        self.tenants = tenants
        # Follow-up events name the consumer as producer when the service gave no outbox (benchmarks, tests).
        self.outbox = outbox or Outbox(consumer.name)
        self.context = context
        self.metrics = metrics
        self.prefetch = consumer.prefetch or prefetch
        self.max_attempts = max_attempts
        self.retry_delays_ms = retry_delays_ms or [1_000, 5_000, 30_000]
        self.queue_name = broker.name(consumer.name)
        self._channel: AbstractChannel | None = None
        self._acks = BatchAcks(None)
        self._in_flight: set[asyncio.Task[None]] = set()
        broker.subscribe(self._on_connected)

    def retry_queue(self, attempt: int) -> str:
        index = min(attempt - 1, len(self.retry_delays_ms) - 1)
        return f"{self.queue_name}.retry.{index}"

    @property
    def dlq(self) -> str:
        return f"{self.queue_name}.dlq"

    async def _on_connected(self, connection: AbstractConnection) -> None:
        channel = await connection.channel(publisher_confirms=True)
        await channel.set_qos(prefetch_count=self.prefetch)
        exchange = await channel.get_exchange(self.broker.exchange_name, ensure=False)
        queue = await channel.declare_queue(
            self.queue_name,
            durable=True,
            # A message that crashes the process (never acked) is dropped to the DLQ by the broker itself.
            arguments={
                "x-queue-type": "quorum",
                "x-delivery-limit": 20,
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": self.dlq,
            },
        )
        for route in self.consumer.routes.values():
            for routing_key in route.bindings:
                await queue.bind(exchange, routing_key)
        for routing_key in self.consumer.retired:
            await queue.unbind(exchange, routing_key)  # a binding that is not there is no error
        for index, delay in enumerate(self.retry_delays_ms):
            await channel.declare_queue(
                f"{self.queue_name}.retry.{index}",
                durable=True,
                arguments={
                    "x-message-ttl": delay,
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-routing-key": self.queue_name,
                },
            )
        await channel.declare_queue(self.dlq, durable=True, arguments={"x-queue-type": "quorum"})
        self.broker.declared_queues.update(
            {
                self.queue_name,
                self.dlq,
                *(f"{self.queue_name}.retry.{i}" for i in range(len(self.retry_delays_ms))),
            }
        )
        self._channel = channel
        self._acks = BatchAcks(await channel.get_underlay_channel())
        await queue.consume(self._on_message, no_ack=False)

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            await self._process(message)
        finally:
            if task is not None:
                self._in_flight.discard(task)

    async def _process(self, message: AbstractIncomingMessage) -> None:
        self._acks.delivered(message)
        attempt = int((message.headers or {}).get("x-attempt", 1) or 1)  # type: ignore[arg-type]
        try:
            envelope = self.consumer.parser.parse(message.body)  # the envelope and its event, in one pass
            route = self.consumer.routes[envelope.type]
            event = envelope.payload
        except (ValidationError, KeyError, ValueError) as exc:
            logger.error(
                "unparseable message dead-lettered", extra={"queue": self.queue_name, "error": repr(exc)}
            )
            await self._forward(message, self.dlq, attempt, f"unparseable: {exc!r}"[:1000])
            return
        if self.metrics:
            lag = (datetime.now(UTC) - envelope.occurred_at).total_seconds()
            self.metrics.event_lag.labels(self.queue_name).observe(max(lag, 0.0))
        item = _Item(message, envelope, route, event, attempt, asyncio.get_running_loop().create_future())
        if not self.consumer.batchable or self.batch_max <= 1 or route.prepare is not None:
            await self._run_one(item)
            return
        # One batch at a time per tenant: what arrives meanwhile forms the next one (like group commit).
        key = envelope.tenant_id if route.tenant_scoped else None
        self._forming.setdefault(key, []).append(item)
        if key not in self._draining:
            self._draining.add(key)
            task = asyncio.get_running_loop().create_task(self._drain(key))
            self._flushes.add(task)
            task.add_done_callback(self._flushes.discard)
        await item.done

    async def _drain(self, key: uuid.UUID | None) -> None:
        try:
            await asyncio.sleep(self.batch_window_s)  # let messages delivered in the same burst join
            while pending := self._forming.pop(key, []):
                for start in range(0, len(pending), self.batch_max):
                    await self._flush(pending[start : start + self.batch_max])
        finally:
            self._draining.discard(key)

    async def _flush(self, batch: list[_Item]) -> None:
        try:
            if len(batch) == 1 or not await self._run_batch(batch):
                for item in batch:
                    await self._run_one(item)
        finally:
            for item in batch:
                if not item.done.done():
                    item.done.set_result(None)

    async def _run_batch(self, batch: list[_Item]) -> bool:
        """One transaction for the whole batch; ``False`` if anything failed (nothing was committed)."""
        started = time.perf_counter()
        first = batch[0]
        try:
            async with self._session_for(first) as session:
                new_ids = await record_many(session, self.consumer.name, [i.envelope for i in batch])
                for item in batch:
                    if item.envelope.id in new_ids:
                        new_ids.discard(item.envelope.id)  # a message twice in one batch runs once
                        with _handling(item, self.queue_name):
                            await item.route.handler(
                                EventContext(session, item.envelope, self.outbox, self.context), item.event
                            )
                await session.commit()
        except Exception:
            logger.info("batch failed; handling its messages one by one", extra={"size": len(batch)})
            return False
        elapsed = (time.perf_counter() - started) / len(batch)
        await self._acks.ack([item.message for item in batch])
        for item in batch:
            self._count(item, "ok", elapsed)
            if not item.done.done():
                item.done.set_result(None)
        return True

    def _count(self, item: _Item, outcome: str, seconds: float) -> None:
        if self.metrics:
            self.metrics.consumed.labels(self.queue_name, item.envelope.type, outcome).inc()
            self.metrics.consume_latency.labels(self.queue_name, item.envelope.type).observe(seconds)

    async def _run_one(self, item: _Item) -> None:
        """Handle one message in its own transaction; on failure, retry later or dead-letter it."""
        envelope, attempt = item.envelope, item.attempt
        started = time.perf_counter()
        outcome = "ok"
        with _handling(item, self.queue_name) as current:
            try:
                await self._handle(item)
                await item.message.ack()
                self._acks.settled(item.message)
            except Exception as exc:
                fail(current, exc)
                permanent = isinstance(exc, PermanentError | TenantGone)
                # A tenant being moved: its message waits in the first retry queue without spending an attempt.
                moving = isinstance(exc, TenantMoving)
                extra = {"queue": self.queue_name, "event_type": envelope.type, "attempt": attempt}
                if not moving and (permanent or attempt >= self.max_attempts):
                    outcome = "dead-lettered"
                    logger.error("handler failed; dead-lettered", exc_info=exc, extra=extra)
                    await self._forward(item.message, self.dlq, attempt, repr(exc)[:1000])
                else:
                    outcome = "retried"
                    logger.warning(
                        "handler failed; will retry", exc_info=None if moving else exc, extra=extra
                    )
                    queue = self.retry_queue(1 if moving else attempt)
                    await self._forward(item.message, queue, attempt + int(not moving), repr(exc)[:1000])
            finally:
                self._count(item, outcome, time.perf_counter() - started)
                if not item.done.done():
                    item.done.set_result(None)

    def _session_for(self, item: _Item) -> _SessionOpener:
        return _SessionOpener(self, item)

    async def _handle(self, item: _Item) -> None:
        prepared = None
        if item.route.prepare is not None:
            # A short read, closed before ``prepare`` runs: no connection is held while it calls out.
            async with self._session_for(item) as session:
                done = await handled(session, self.consumer.name, item.envelope.id)
            if done:
                logger.info("duplicate message ignored", extra={"message_id": str(item.envelope.id)})
                return
            prepared = await item.route.prepare(Preparing(item.envelope, self.context), item.event)
        async with self._session_for(item) as session:
            if not await record_one(session, self.consumer.name, item.envelope):
                logger.info("duplicate message ignored", extra={"message_id": str(item.envelope.id)})
                return
            await item.route.handler(
                EventContext(session, item.envelope, self.outbox, self.context, prepared), item.event
            )
            await session.commit()

    async def _forward(self, message: AbstractIncomingMessage, queue: str, attempt: int, error: str) -> None:
        """Publish a copy to a retry queue or the DLQ (confirmed), then ack the original."""
        channel = self._channel
        try:
            assert channel is not None
            headers: dict[str, Any] = dict(message.headers or {})
            headers.update({"x-attempt": attempt, "x-last-error": error, "x-original-queue": self.queue_name})
            await channel.default_exchange.publish(
                aio_pika.Message(
                    message.body,
                    headers=headers,
                    message_id=message.message_id,
                    type=message.type,
                    content_type=message.content_type,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=queue,
                timeout=5,
            )
            await message.ack()
        except Exception:
            logger.exception("could not forward message; leaving it to redelivery")
            try:
                await message.nack(requeue=True)
            except Exception:
                logger.debug("nack failed: the channel is gone, the broker will redeliver")
        self._acks.settled(message)

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait for handlers in flight (used at shutdown)."""
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=timeout)
