"""The envelope and its event parsed in one pass accept and refuse what the two passes did (a ``RawEnvelope``,
then the event model from its payload)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from pydantic import ValidationError
from vitrine_contracts import Event, RawEnvelope, new_envelope
from vitrine_kit.events.envelopes import EnvelopeParser


class Sold(Event):
    event_type = "bench.sold"
    listing_id: uuid.UUID
    price_cents: int


class Renamed(Event):
    event_type = "bench.renamed"
    name: str


MODELS: dict[str, type[Event]] = {"bench.sold": Sold, "bench.renamed": Renamed}


def _two_passes(body: str) -> tuple[RawEnvelope, Event]:
    envelope = RawEnvelope.model_validate_json(body)
    return envelope, MODELS[envelope.type].model_validate(envelope.payload)


GOOD = json.loads(
    new_envelope(
        Sold(listing_id=uuid.uuid4(), price_cents=1250), producer="catalog", tenant_id=uuid.uuid4()
    ).model_dump_json()
)


def _with(**changes: Any) -> str:
    return json.dumps({**GOOD, **changes})


BODIES = [
    json.dumps(GOOD),
    _with(payload={**GOOD["payload"], "added_later": 1}),  # a new optional field: the tolerant reader
    _with(type="bench.renamed", payload={"name": "blue vase"}),
    _with(correlation_id="req-1", causation_id=str(uuid.uuid4())),
    _with(type="bench.unknown"),
    _with(extra_field=1),  # the envelope forbids extras
    _with(payload={"listing_id": "not-a-uuid", "price_cents": 1}),
    _with(payload={"listing_id": GOOD["payload"]["listing_id"]}),  # a required field missing
    _with(payload=[1, 2]),
    _with(version=0),
    _with(type=None),
    json.dumps({k: v for k, v in GOOD.items() if k != "producer"}),
    json.dumps({k: v for k, v in GOOD.items() if k != "type"}),
    "not json",
    "[]",
    "",
]


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize("models", [[Sold, Renamed], [Sold]])
def test_one_pass_accepts_and_refuses_what_two_passes_did(body: str, models: list[type[Event]]) -> None:
    parser = EnvelopeParser()
    for model in models:
        parser.add(model)
    try:
        envelope, event = _two_passes(body)
        if envelope.type not in {m.event_type for m in models}:
            raise KeyError(envelope.type)  # the consumer's routes did not know it
    except (ValidationError, KeyError, ValueError):
        with pytest.raises(ValueError):
            parser.parse(body)
        return
    parsed = parser.parse(body)
    assert parsed.payload == event
    assert type(parsed.payload) is type(event)
    assert parsed.model_dump(exclude={"payload"}) == envelope.model_dump(exclude={"payload"})


def test_a_parser_without_event_types_refuses_everything() -> None:
    with pytest.raises(ValueError):
        EnvelopeParser().parse(json.dumps(GOOD))
