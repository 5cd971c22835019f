"""Vitrine's contracts: the event envelope and every message type, as Pydantic models."""

from vitrine_contracts.envelope import Envelope, Event, RawEnvelope, new_envelope
from vitrine_contracts.registry import EVENTS, event_class

__all__ = ["EVENTS", "Envelope", "Event", "RawEnvelope", "event_class", "new_envelope"]
