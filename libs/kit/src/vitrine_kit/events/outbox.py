"""Writing events: an outbox row added to the caller's session, published after commit by the relay."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts import Envelope, Event, new_envelope

from vitrine_kit.db.models import OutboxMessage
from vitrine_kit.logging import request_id_var
from vitrine_kit.tracing import OUTBOX_TRACE_KEY, outbox_context


class Outbox:
    """The service's way to emit events; nothing reaches the broker unless the transaction commits."""

    def __init__(self, producer: str) -> None:
        self.producer = producer

    def add(
        self,
        session: AsyncSession,
        event: Event,
        *,
        tenant_id: uuid.UUID | None = None,
        correlation_id: str | None = None,
        causation_id: uuid.UUID | None = None,
    ) -> Envelope[Event]:
        """Add ``event`` to ``session``'s transaction; returns the envelope it will travel in."""
        envelope = new_envelope(
            event,
            producer=self.producer,
            tenant_id=tenant_id,
            correlation_id=correlation_id or request_id_var.get(),
            causation_id=causation_id,
        )
        body = envelope.model_dump(mode="json")
        if trace_context := outbox_context(event.routing_key()):
            body[OUTBOX_TRACE_KEY] = trace_context  # moved to the message's headers by the relay
        session.add(OutboxMessage(id=envelope.id, routing_key=event.routing_key(), body=body))
        return envelope
