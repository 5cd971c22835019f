"""Queue depths: how many messages wait in each consumer's queue and dead-letter queue, for the metrics."""

from __future__ import annotations

from collections.abc import Sequence

from vitrine_kit.events.broker import Broker
from vitrine_kit.events.consumer import ConsumerRunner
from vitrine_kit.metrics import ServiceMetrics

DEPTHS_EVERY_S = 15.0


async def measure_depths(broker: Broker, runners: Sequence[ConsumerRunner], metrics: ServiceMetrics) -> None:
    """Set ``events_queue_depth`` and ``events_dlq_depth`` from passive declares (no queue is created), on a
    channel of their own so that a queue missing after a broker restart closes only this channel."""
    if not runners or not broker.connected:
        return
    connection = await broker.wait_connected(timeout=5)
    async with connection.channel() as channel:
        for runner in runners:
            main = await channel.declare_queue(runner.queue_name, passive=True)
            dlq = await channel.declare_queue(runner.dlq, passive=True)
            metrics.queue_depth.labels(runner.queue_name).set(main.declaration_result.message_count or 0)
            metrics.dlq_depth.labels(runner.queue_name).set(dlq.declaration_result.message_count or 0)
