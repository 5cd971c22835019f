"""The outbox relay: publishes committed outbox rows with publisher confirms, safely from many replicas."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import asyncpg
import sqlalchemy as sa
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import create_async_engine

from vitrine_kit.db.base import utcnow
from vitrine_kit.db.engine import Database
from vitrine_kit.db.models import OutboxMessage
from vitrine_kit.events.broker import Broker
from vitrine_kit.events.publish import Outgoing, Unroutable, send_batch
from vitrine_kit.metrics import ServiceMetrics
from vitrine_kit.tracing import OUTBOX_TRACE_KEY

logger = logging.getLogger(__name__)
NOTIFY_CHANNEL = "vitrine_outbox"
MEASURE_EVERY_S = 5.0
BACKLOG_COUNT_CAP = 100_000  # past this the count's cost grows and the alert has long fired


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    """``sqlalchemy_url`` as asyncpg takes it (no ``+asyncpg`` driver suffix)."""
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _among(seqs: list[int]) -> sa.ColumnElement[bool]:
    """``seq = ANY(:seqs)``: one array parameter, so the statement is the same whatever the batch's size."""
    return OutboxMessage.seq == sa.any_(sa.bindparam("seqs", seqs, type_=ARRAY(sa.BigInteger)))


class OutboxRelay:
    """Moves committed outbox rows to the exchange.

    Woken by NOTIFY (sent by a trigger when an insert commits) and by a slow poll as a fallback; rows are
    claimed with ``FOR UPDATE SKIP LOCKED`` so replicas share the work; each row is marked sent only after
    the broker confirmed it. A row that no queue is bound for (``mandatory`` returned it) is marked sent
    with ``last_error='unroutable'``: nobody subscribes to it yet, and retrying would not change that.
    While a backlog lasts, ``depth`` batches are in flight: the next one is claimed (its rows skipped by
    the one before, still locked) and published while the previous one's confirms are awaited.
    """

    def __init__(
        self,
        db: Database,
        broker: Broker,
        *,
        url: str | None = None,
        metrics: ServiceMetrics | None = None,
        batch_size: int = 200,
        poll_interval_s: float = 1.0,
        publish_timeout_s: float = 5.0,
        retention: timedelta = timedelta(days=7),
        depth: int = 2,
    ) -> None:
        self.db = db
        # The database whose outbox this relay drains (one relay per database of the service).
        self.url = url or db.url
        # Each batch in flight holds one connection of the relay's pool (2) until its rows are marked sent.
        self.depth = max(1, min(depth, 2))
        # A pool of its own: handlers holding every connection of the main pool must not stall the relay.
        self.engine = create_async_engine(self.url, pool_size=2, max_overflow=0, pool_pre_ping=True)
        self.broker = broker
        self.metrics = metrics
        self.batch_size = batch_size
        self.poll_interval_s = poll_interval_s
        self.publish_timeout_s = publish_timeout_s
        self.retention = retention
        self._wake = asyncio.Event()
        self._channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._stopping = False
        broker.subscribe(self._on_connected)

    async def _on_connected(self, connection: AbstractConnection) -> None:
        self._channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        self._exchange = await self._channel.get_exchange(self.broker.exchange_name, ensure=False)
        self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    async def _listen(self) -> None:
        """Keep a LISTEN connection open; reconnect when it drops."""
        while not self._stopping:
            try:
                conn = await asyncpg.connect(asyncpg_dsn(self.url), timeout=5)
            except (TimeoutError, OSError, asyncpg.PostgresError):
                await asyncio.sleep(1)
                continue
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _c, event=lost: event.set())
            await conn.add_listener(NOTIFY_CHANNEL, lambda *_: self._wake.set())
            try:
                while not lost.is_set() and not self._stopping:
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(lost.wait(), 30)
                    if not lost.is_set():
                        await conn.execute("SELECT 1")  # keep-alive
            except (OSError, asyncpg.PostgresError):
                pass
            finally:
                with contextlib.suppress(Exception):
                    await conn.close(timeout=2)

    async def run(self) -> None:
        listener = asyncio.create_task(self._listen(), name="outbox-listen")
        last_purge = utcnow()
        next_measure = 0.0
        try:
            while not self._stopping:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_interval_s)
                self._wake.clear()
                # Measured with the broker away too: that is when the backlog grows.
                if self.metrics is not None and time.monotonic() >= next_measure:
                    next_measure = time.monotonic() + MEASURE_EVERY_S
                    try:
                        await self.measure_backlog(self.metrics)
                    except Exception as exc:
                        logger.warning("outbox backlog not measured", extra={"error": repr(exc)})
                if not self.broker.connected or self._exchange is None:
                    continue
                try:
                    await self.publish_all()
                    if utcnow() - last_purge > timedelta(minutes=10):
                        await self.purge()
                        last_purge = utcnow()
                except Exception:
                    logger.exception("outbox relay pass failed")
                    await asyncio.sleep(0.5)
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
            await self.dispose()

    async def measure_backlog(self, metrics: ServiceMetrics) -> None:
        """Unsent rows (counted up to ``BACKLOG_COUNT_CAP``) and the age of the oldest, from the partial index
        of unsent rows."""
        async with self.engine.connect() as conn:
            unsent = sa.select(OutboxMessage.seq).where(OutboxMessage.sent_at.is_(None))
            count = (
                await conn.execute(
                    sa.select(sa.func.count()).select_from(unsent.limit(BACKLOG_COUNT_CAP).subquery())
                )
            ).scalar_one()
            oldest = (
                await conn.execute(
                    sa.select(OutboxMessage.created_at)
                    .where(OutboxMessage.sent_at.is_(None))
                    .order_by(OutboxMessage.seq)
                    .limit(1)
                )
            ).scalar()
        metrics.outbox_backlog.set(count)
        metrics.outbox_oldest_age.set(max((utcnow() - oldest).total_seconds(), 0.0) if oldest else 0.0)

    async def publish_all(self) -> None:
        """Publish batches until one comes back short (the outbox is drained) or failed, up to ``depth`` at a
        time; a failure is raised once every batch in flight is done."""
        loop = asyncio.get_running_loop()
        in_flight: list[asyncio.Task[int]] = []
        more = True
        try:
            while more or in_flight:
                while more and len(in_flight) < self.depth:
                    claimed: asyncio.Future[None] = loop.create_future()
                    task = loop.create_task(self.publish_batch(claimed))
                    in_flight.append(task)
                    # The next claim waits for this one's rows to be locked and their publishes queued.
                    await asyncio.wait((claimed, task), return_when=asyncio.FIRST_COMPLETED)
                    if task.done():
                        break
                if in_flight:
                    more = (await in_flight.pop(0)) == self.batch_size and more
        finally:
            if in_flight:  # a batch failed: the others finish (their confirms, their marks) before the raise
                await asyncio.gather(*in_flight, return_exceptions=True)

    async def publish_batch(self, claimed: asyncio.Future[None] | None = None) -> int:
        """Publish one batch of unsent rows; returns how many rows were claimed. ``claimed`` is set once the
        rows are locked and their publishes started."""
        async with self.engine.begin() as conn:
            rows = (
                await conn.execute(
                    # The body as JSON text: published as stored, never decoded and re-encoded.
                    sa.select(
                        OutboxMessage.seq,
                        OutboxMessage.id,
                        OutboxMessage.routing_key,
                        # The trace context the row kept goes to the headers; the body is the envelope.
                        sa.cast(
                            OutboxMessage.body.op("-")(sa.literal(OUTBOX_TRACE_KEY, sa.Text)), sa.Text
                        ).label("body"),
                        OutboxMessage.body[OUTBOX_TRACE_KEY].label("trace"),
                        OutboxMessage.body["payload"]["marketplace"].astext.label("marketplace"),
                        OutboxMessage.body["payload"]["code"].astext.label("code"),
                    )
                    .where(OutboxMessage.sent_at.is_(None))
                    .order_by(OutboxMessage.seq)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if self.metrics:
                self.metrics.outbox_pending.set(len(rows))
            if not rows:
                return 0

            results = await self._send(rows, claimed)
            sent, unroutable, failed = [], [], []
            for row, res in zip(rows, results, strict=True):
                if isinstance(res, Unroutable):
                    unroutable.append(row.seq)
                elif res is not None:
                    failed.append((row.seq, repr(res)))
                else:
                    sent.append(row.seq)
            now = utcnow()
            if sent:
                await conn.execute(sa.update(OutboxMessage).where(_among(sent)).values(sent_at=now))
            if unroutable:
                logger.warning("outbox: no queue bound for %d event(s)", len(unroutable))
                await conn.execute(
                    sa.update(OutboxMessage)
                    .where(_among(unroutable))
                    .values(sent_at=now, last_error="unroutable")
                )
            for seq, error in failed:
                await conn.execute(
                    sa.update(OutboxMessage)
                    .where(OutboxMessage.seq == seq)
                    .values(attempts=OutboxMessage.attempts + 1, last_error=error[:2000])
                )
            if self.metrics:
                for row, res in zip(rows, results, strict=True):
                    if res is None or isinstance(res, Unroutable):
                        self.metrics.outbox_published.labels(row.routing_key).inc()
                        if row.marketplace is not None:
                            event_type = row.routing_key.removesuffix(f".{row.marketplace}")
                            self.metrics.marketplace_events.labels(
                                event_type, row.marketplace, row.code or ""
                            ).inc()
                if failed:
                    self.metrics.outbox_failures.inc(len(failed))
            if failed:
                logger.warning(
                    "outbox: %d publish(es) failed; will retry", len(failed), extra={"error": failed[0][1]}
                )
                # The broker is struggling: leave the rest for the next pass instead of spinning.
                return 0
            return len(rows)

    async def _send(
        self, rows: Sequence[sa.Row[Any]], claimed: asyncio.Future[None] | None
    ) -> list[BaseException | None]:
        """Publish ``rows`` as one write and wait for their confirms; ``claimed`` is set once they are queued.
        When the batch cannot be queued at all (the channel closed), that error is every row's outcome."""
        try:
            channel = self._channel
            assert channel is not None
            sending = await send_batch(
                await channel.get_underlay_channel(),
                [
                    Outgoing(
                        routing_key=row.routing_key,
                        body=row.body.encode(),
                        message_id=str(row.id),
                        type_=row.routing_key,
                        headers={"x-attempt": 1, **(row.trace or {})},
                    )
                    for row in rows
                ],
                exchange=self.broker.exchange_name,
                timeout=self.publish_timeout_s,
                mandatory=True,
            )
        except Exception as exc:
            return [exc] * len(rows)
        finally:
            if claimed is not None and not claimed.done():
                claimed.set_result(None)
        return await sending.outcomes()

    async def purge(self) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.delete(OutboxMessage).where(OutboxMessage.sent_at < utcnow() - self.retention)
            )

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def dispose(self) -> None:
        await self.engine.dispose()
