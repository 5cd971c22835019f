"""The envelope every event on the ``vitrine.events`` exchange travels in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field


class Event(BaseModel):
    """Base class of every event payload.

    ``event_type`` is the routing key (``<aggregate>.<happened>``); ``event_version`` changes only when a
    field is removed or changes meaning (adding an optional field is not a new version).
    """

    model_config = ConfigDict(
        extra="ignore", frozen=True
    )  # tolerant reader: new optional fields never break consumers

    event_type: ClassVar[str]
    event_version: ClassVar[int] = 1

    def routing_key(self) -> str:
        """The AMQP routing key; commands addressed to one service append its name (``.ebay``)."""
        return self.event_type


P = TypeVar("P", bound=BaseModel)


class Envelope(BaseModel, Generic[P]):
    """Metadata around an event payload; serialised as the AMQP message body."""

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID = Field(default_factory=uuid.uuid4, description="Unique per message; the inbox key.")
    type: str = Field(description="The event type, also the routing key.")
    version: int = Field(default=1, ge=1)
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    tenant_id: uuid.UUID | None = Field(default=None, description="The tenant the event belongs to, if any.")
    correlation_id: str | None = Field(default=None, description="The request or flow this event is part of.")
    causation_id: uuid.UUID | None = Field(default=None, description="The id of the event that caused it.")
    producer: str = Field(description="The service that emitted the event.")
    payload: P


class RawEnvelope(Envelope[dict[str, Any]]):  # type: ignore[type-var]
    """An envelope whose payload has not been parsed into its event model yet."""


def new_envelope(
    event: Event,
    *,
    producer: str,
    tenant_id: uuid.UUID | None = None,
    correlation_id: str | None = None,
    causation_id: uuid.UUID | None = None,
) -> Envelope[Event]:
    """Wrap ``event`` in an envelope carrying its type and version."""
    # Parametrised by the concrete class so that the payload serialises with all its fields.
    model: Any = Envelope[type(event)]  # type: ignore[misc]
    return cast(
        Envelope[Event],
        model(
            type=event.event_type,
            version=event.event_version,
            tenant_id=tenant_id,
            correlation_id=correlation_id,
            causation_id=causation_id,
            producer=producer,
            payload=event,
        ),
    )
