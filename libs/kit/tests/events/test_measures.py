"""The figures the alert rules read: outbox backlog and age, queue and dead-letter depths, marketplace events."""

from __future__ import annotations

import uuid
from datetime import timedelta

import aio_pika
import sqlalchemy as sa
from vitrine_kit.db.base import utcnow
from vitrine_kit.db.engine import Database
from vitrine_kit.db.models import OutboxMessage
from vitrine_kit.events.broker import Broker
from vitrine_kit.events.depths import measure_depths
from vitrine_kit.events.relay import OutboxRelay
from vitrine_kit.metrics import ServiceMetrics
from vitrine_kit.testing.app import running_app
from vitrine_kit.testing.helpers import eventually


def sample(runtime, name: str, **labels: str) -> float | None:
    return runtime.metrics.registry.get_sample_value(name, labels)


class TestOutboxBacklog:
    async def test_an_unsent_row_is_counted_with_its_age(self, kit_db: str) -> None:
        # A relay that never connects and no app running: nothing publishes the row meanwhile.
        db = Database(kit_db)
        metrics = ServiceMetrics()
        relay = OutboxRelay(db, Broker("amqp://unused/"), metrics=metrics)
        row_id = uuid.uuid4()
        try:
            async with db.session() as session:
                session.add(
                    OutboxMessage(
                        id=row_id,
                        routing_key="kittest.nobody",
                        body={"type": "kittest.nobody"},
                        created_at=utcnow() - timedelta(minutes=10),
                    )
                )
                await session.commit()
            await relay.measure_backlog(metrics)
        finally:
            async with db.session() as session:
                await session.execute(sa.delete(OutboxMessage).where(OutboxMessage.id == row_id))
                await session.commit()
            await relay.dispose()
            await db.dispose()
        backlog = metrics.registry.get_sample_value("outbox_backlog")
        age = metrics.registry.get_sample_value("outbox_oldest_unsent_age_seconds")
        assert backlog is not None
        assert backlog >= 1
        assert age is not None
        assert age >= 600


class TestMarketplaceEvents:
    async def test_a_published_event_naming_a_marketplace_is_counted_with_its_code(self, fixture_app) -> None:
        async with running_app(fixture_app()) as (_client, runtime):
            async with runtime.db.session() as session:
                session.add(
                    OutboxMessage(
                        id=uuid.uuid4(),
                        routing_key="publication.failed",
                        body={
                            "type": "publication.failed",
                            "payload": {"marketplace": "etsy", "code": "kittest"},
                        },
                    )
                )
                await session.commit()
            assert runtime.relay is not None
            runtime.relay.wake()
            labels = {"event_type": "publication.failed", "marketplace": "etsy", "code": "kittest"}
            await eventually(lambda: sample(runtime, "marketplace_events_published_total", **labels))


class TestQueueDepths:
    async def test_depths_of_each_consumer_s_queue_and_dead_letter_queue(self, fixture_app) -> None:
        async with running_app(fixture_app()) as (_client, runtime):
            runner = runtime.runners[0]
            connection = await runtime.broker.wait_connected(5)
            async with connection.channel(publisher_confirms=True) as channel:
                await channel.default_exchange.publish(aio_pika.Message(b"{}"), routing_key=runner.dlq)
            await measure_depths(runtime.broker, runtime.runners, runtime.metrics)
            assert sample(runtime, "events_dlq_depth", queue=runner.queue_name) == 1
            assert sample(runtime, "events_queue_depth", queue=runner.queue_name) == 0
