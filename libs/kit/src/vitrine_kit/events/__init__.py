"""Events: outbox in the caller's transaction → relay → RabbitMQ → consumers with an inbox."""

from vitrine_kit.events.broker import Broker
from vitrine_kit.events.consumer import EventConsumer, EventContext
from vitrine_kit.events.outbox import Outbox
from vitrine_kit.events.relay import OutboxRelay

__all__ = ["Broker", "EventConsumer", "EventContext", "Outbox", "OutboxRelay"]
