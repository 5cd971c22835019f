"""Every event type Vitrine knows, by event type (found in the modules of this package)."""

from __future__ import annotations

import importlib
import pkgutil

import vitrine_contracts
from vitrine_contracts.envelope import Event


def _collect() -> dict[str, type[Event]]:
    for module in pkgutil.iter_modules(vitrine_contracts.__path__):
        if module.name not in {"registry", "schema"}:
            importlib.import_module(f"vitrine_contracts.{module.name}")
    found: dict[str, type[Event]] = {}
    stack = list(Event.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("vitrine_contracts.") and "event_type" in cls.__dict__:
            if cls.event_type in found and found[cls.event_type] is not cls:
                raise RuntimeError(f"two events share the type {cls.event_type}")
            found[cls.event_type] = cls
    return dict(sorted(found.items()))


EVENTS: dict[str, type[Event]] = _collect()


def event_class(event_type: str) -> type[Event]:
    """Return the payload model for ``event_type``; ``KeyError`` if unknown."""
    return EVENTS[event_type]
