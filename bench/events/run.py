"""Events benchmark: outbox → relay → RabbitMQ → consumer with inbox, beside bare aio-pika, in one run.

Prints one table: throughput (events/s) for a burst of N events, and commit-to-handler latency p50/p99 at a
fixed rate of 200 events/s. Goals: the pipeline keeps ≥ 70% of bare aio-pika's throughput, and p99 < 250 ms
at 200 events/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aio_pika

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import AMQP, PG, db_name, fixture_trees, percentile, scratch_dir, table
from vitrine_contracts import Event
from vitrine_kit.db.engine import Database
from vitrine_kit.db.migrations import MigrationTrees
from vitrine_kit.events.broker import Broker
from vitrine_kit.events.consumer import ConsumerRunner, EventConsumer, EventContext
from vitrine_kit.events.outbox import Outbox
from vitrine_kit.events.relay import OutboxRelay
from vitrine_kit.testing import infra


class BenchEvent(Event):
    event_type = "bench.happened"
    seq: int
    sent_at: float


async def bare(
    n: int, rate: float | None, producers: int, on_start: Callable[[], None] = lambda: None
) -> tuple[float, list[float], float]:
    """aio-pika alone: confirmed persistent publishes to a quorum queue, manual acks. ``on_start`` is called
    when the clock starts (the profiler attaches then)."""
    ns = f"bench.{uuid.uuid4().hex[:6]}."
    connection = await aio_pika.connect(AMQP)
    received: dict[int, float] = {}
    sent: dict[int, float] = {}
    done = asyncio.Event()
    async with connection:
        pub = await connection.channel(publisher_confirms=True)
        sub = await connection.channel()
        await sub.set_qos(prefetch_count=32)
        exchange = await pub.declare_exchange(ns + "x", aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await sub.declare_queue(ns + "q", durable=True, arguments={"x-queue-type": "quorum"})
        await queue.bind(ns + "x", "bench.happened")

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            body = json.loads(message.body)
            received[body["payload"]["seq"]] = time.perf_counter()
            await message.ack()
            if len(received) >= n:
                done.set()

        await queue.consume(on_message)
        on_start()
        started = time.perf_counter()
        cpu_started = time.process_time()

        async def produce(worker: int) -> None:
            for i in range(worker, n, producers):
                if rate:
                    await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))
                body = {"type": "bench.happened", "payload": {"seq": i, "sent_at": 0.0}}
                sent[i] = time.perf_counter()
                await exchange.publish(
                    aio_pika.Message(
                        json.dumps(body).encode(), delivery_mode=aio_pika.DeliveryMode.PERSISTENT
                    ),
                    "bench.happened",
                    mandatory=True,
                    timeout=5,
                )

        await asyncio.gather(*(produce(w) for w in range(producers)))
        await asyncio.wait_for(done.wait(), 120)
        cpu = time.process_time() - cpu_started
        elapsed = max(received.values()) - started
        await queue.delete(if_unused=False, if_empty=False)
        await exchange.delete()
    return n / elapsed, [(received[i] - sent[i]) * 1000 for i in sent if i in received], cpu / n * 1e6


async def pipeline(
    url: str,
    n: int,
    rate: float | None,
    producers: int,
    *,
    precommitted: bool = False,
    on_start: Callable[[], None] = lambda: None,
) -> tuple[float, list[float], float]:
    """The kit: an outbox row per committed transaction, the relay, a consumer writing its inbox row.

    With ``precommitted`` the N rows are committed before the relay starts, and the clock measures only the
    pipeline (outbox → RabbitMQ → consumer + inbox), not the producers' own commits.
    """
    ns = f"bench.{uuid.uuid4().hex[:6]}."
    db = Database(url, pool_size=50, max_overflow=0)
    broker = Broker(AMQP, namespace=ns)
    relay = OutboxRelay(db, broker, batch_size=200, poll_interval_s=1.0)
    consumer = EventConsumer(f"bench.{uuid.uuid4().hex[:6]}", batchable=True)
    received: dict[int, float] = {}
    committed: dict[int, float] = {}
    done = asyncio.Event()

    @consumer.on_shared(BenchEvent)
    async def handle(ctx: EventContext[Any], event: BenchEvent) -> None:
        received[event.seq] = time.perf_counter()
        if len(received) >= n:
            done.set()

    runner = ConsumerRunner(consumer, broker=broker, db=db, tenants=None, outbox=None, prefetch=64)
    outbox = Outbox("bench")
    if precommitted:
        async with db.session() as session:
            for i in range(n):
                outbox.add(session, BenchEvent(seq=i, sent_at=time.time()))
            await session.commit()
    on_start()
    tasks = [asyncio.create_task(broker.run()), asyncio.create_task(relay.run())]
    started = time.perf_counter()
    cpu_started = time.process_time()
    await broker.wait_connected(20)
    if precommitted:
        committed = dict.fromkeys(range(n), started)
        await asyncio.wait_for(done.wait(), 300)
        producers = 0

    async def produce(worker: int) -> None:
        for i in range(worker, n, producers):
            if rate:
                await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))
            async with db.session() as session:
                outbox.add(session, BenchEvent(seq=i, sent_at=time.time()))
                await session.commit()
            committed[i] = time.perf_counter()

    await asyncio.gather(*(produce(w) for w in range(producers)))
    await asyncio.wait_for(done.wait(), 300)
    cpu = time.process_time() - cpu_started
    elapsed = max(received.values()) - started
    await relay.stop()
    await runner.drain()
    await broker.stop()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await db.dispose()
    await infra.delete_queues(AMQP, broker.declared_queues)
    return (
        n / elapsed,
        [(received[i] - committed[i]) * 1000 for i in committed if i in received],
        cpu / n * 1e6,
    )


def _worker(url: str, namespace: str, queue: str, stop: Any) -> None:
    """One worker process (RUN_MODE=worker): the relay and the consumer, until ``stop`` is set."""

    async def run() -> None:
        db = Database(url, pool_size=40, max_overflow=0)
        broker = Broker(AMQP, namespace=namespace)
        relay = OutboxRelay(db, broker, batch_size=200, poll_interval_s=0.2)
        consumer = EventConsumer(queue, batchable=True)

        @consumer.on_shared(BenchEvent)
        async def handle(ctx: EventContext[Any], event: BenchEvent) -> None:
            return None

        runner = ConsumerRunner(consumer, broker=broker, db=db, tenants=None, outbox=None, prefetch=64)
        tasks = [asyncio.create_task(broker.run()), asyncio.create_task(relay.run())]
        while not stop.is_set():
            await asyncio.sleep(0.05)
        await relay.stop()
        await runner.drain()
        await broker.stop()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await db.dispose()

    import uvloop

    uvloop.run(run())


async def pipeline_workers(url: str, n: int, workers: int) -> float:
    """Throughput with ``workers`` worker processes sharing the outbox (SKIP LOCKED) and the queue."""
    import multiprocessing

    import sqlalchemy as sa
    from vitrine_kit.db.models import InboxMessage

    namespace, queue = f"bench.{uuid.uuid4().hex[:6]}.", f"bench.{uuid.uuid4().hex[:6]}"
    db = Database(url)
    outbox = Outbox("bench")
    async with db.session() as session:
        for i in range(n):
            outbox.add(session, BenchEvent(seq=i, sent_at=time.time()))
        # Held back until the workers' queue exists, so that no row is published unroutable.
        await session.flush()
        ctx = multiprocessing.get_context("spawn")
        stop = ctx.Event()
        procs = [ctx.Process(target=_worker, args=(url, namespace, queue, stop)) for _ in range(workers)]
        for proc in procs:
            proc.start()
        await asyncio.sleep(4)  # the workers import, connect and declare their queue
        await session.commit()
    started = time.perf_counter()
    count_handled = sa.select(sa.func.count()).select_from(InboxMessage).where(InboxMessage.consumer == queue)
    while True:
        async with db.session() as session:
            if (await session.execute(count_handled)).scalar_one() >= n:
                break
        await asyncio.sleep(0.02)
    elapsed = time.perf_counter() - started
    stop.set()
    for proc in procs:
        proc.join(30)
    await db.dispose()
    await infra.delete_queues(
        AMQP,
        {namespace + queue, *(f"{namespace}{queue}.{s}" for s in ("dlq", "retry.0", "retry.1", "retry.2"))},
    )
    return n / elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--producers", type=int, default=16)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    name = db_name("events")
    url = await infra.migrated_database(PG, name, MigrationTrees.in_dir(fixture_trees(scratch_dir())))
    try:
        fixed_n = int(args.rate * args.seconds)
        bare_burst, _, bare_cpu = await bare(args.events, None, args.producers)
        pipe_burst, _, pipe_cpu = await pipeline(url, args.events, None, 0, precommitted=True)
        e2e_burst, _, e2e_cpu = await pipeline(url, args.events, None, args.producers)
        two_workers = await pipeline_workers(url, args.events, 2)
        _, bare_lat, _ = await bare(fixed_n, args.rate, 4)
        _, pipe_lat, _ = await pipeline(url, fixed_n, args.rate, 4)
    finally:
        await infra.drop_database(PG, name)
    rows = [
        [
            "bare aio-pika (confirms, quorum, acks)",
            f"{bare_burst:,.0f}",
            f"{bare_cpu:,.0f}",
            f"{percentile(bare_lat, 50):.1f}",
            f"{percentile(bare_lat, 99):.1f}",
        ],
        [
            "outbox → relay → consumer + inbox",
            f"{pipe_burst:,.0f}",
            f"{pipe_cpu:,.0f}",
            f"{percentile(pipe_lat, 50):.1f}",
            f"{percentile(pipe_lat, 99):.1f}",
        ],
        ["  same, clock includes the producers' own commits", f"{e2e_burst:,.0f}", f"{e2e_cpu:,.0f}", "", ""],
        ["  same, 2 worker processes (relay + consumer each)", f"{two_workers:,.0f}", "", "", ""],
        [
            "pipeline / bare (1 process; 2 processes)",
            f"{pipe_burst / bare_burst:.0%}; {two_workers / bare_burst:.0%}",
            f"{bare_cpu / pipe_cpu:.0%}",
            "",
            "",
        ],
    ]
    print(
        f"\nEvents: burst of {args.events} ({args.producers} producers); latency at {args.rate:.0f}/s for "
        f"{args.seconds:.0f} s (publish/commit → handler)"
    )
    print(table(["path", "burst events/s", "CPU µs/event", "p50 ms @rate", "p99 ms @rate"], rows))
    print(
        "CPU µs/event: this process's CPU time during the burst / events (the producers' commits included in "
        "their row); on a shared machine the events/s follow the CPU the process is given, the CPU per event "
        "much less"
    )
    goal_tp = pipe_burst / bare_burst >= 0.70
    goal_lat = percentile(pipe_lat, 99) < 250
    print(
        f"goal ≥70% of bare throughput: {'met' if goal_tp else 'NOT met'}; "
        f"goal p99 < 250 ms at {args.rate:.0f}/s: {'met' if goal_lat else 'NOT met'}"
    )


if __name__ == "__main__":
    import uvloop

    uvloop.run(main())  # the services run on uvloop (uvicorn), so the benchmark does too
