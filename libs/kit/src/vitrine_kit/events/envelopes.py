"""Parsing a delivered message's envelope and its event in one pass.

Each event type a consumer handles gets an envelope model whose ``type`` is that type alone and whose payload
is its event model; the union of them, told apart by ``type``, parses the JSON body once (pydantic's core),
where an envelope with a dict payload and then the event model from that dict would build the payload twice.
What it refuses is what the two steps refused: a body that is not an envelope (``extra="forbid"`` on the
envelope's fields, the event's own rules for its payload) or whose type the consumer does not handle.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Field, TypeAdapter, create_model
from vitrine_contracts import Envelope, Event


class EnvelopeParser:
    """Parses a body into an ``Envelope`` whose payload is the event model of its ``type``."""

    def __init__(self) -> None:
        self._models: list[Any] = []  # envelope models, one per event type
        self._adapter: TypeAdapter[Envelope[Any]] | None = None

    def add(self, model: type[Event]) -> None:
        """Handle ``model``'s event type (its envelope model is built now, the union at the next parse)."""
        kind: Any = Literal[model.event_type]  # type: ignore[valid-type]
        typed: Any = create_model(
            f"{model.__name__}Envelope",
            __base__=Envelope[model],  # type: ignore[valid-type]
            type=(kind, Field(description="The event type, also the routing key.")),
        )
        self._models.append(typed)
        self._adapter = None

    def parse(self, body: bytes | str) -> Envelope[Any]:
        """The envelope of ``body``, its payload the event; raises ``ValueError`` (pydantic's
        ``ValidationError`` is one) when the body is not an envelope of a handled type."""
        if self._adapter is None:
            if not self._models:
                raise ValueError("this consumer handles no event type")
            union: Any = (
                self._models[0]
                if len(self._models) == 1
                else Annotated[Union[tuple(self._models)], Field(discriminator="type")]  # noqa: UP007
            )
            self._adapter = TypeAdapter(union)
        return self._adapter.validate_json(body)
