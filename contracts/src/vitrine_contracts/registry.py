"""Every event type Vitrine knows, by routing key."""

from __future__ import annotations

from vitrine_contracts.envelope import Event
from vitrine_contracts.identity import (
    MemberAdded,
    MemberRemoved,
    PluginPaired,
    PluginRevoked,
    TenantCreated,
    TenantDeleted,
    UserDeleted,
    UserRegistered,
)

EVENTS: dict[str, type[Event]] = {
    cls.event_type: cls
    for cls in (
        TenantCreated,
        TenantDeleted,
        UserRegistered,
        UserDeleted,
        MemberAdded,
        MemberRemoved,
        PluginPaired,
        PluginRevoked,
    )
}


def event_class(event_type: str) -> type[Event]:
    """Return the payload model for ``event_type``; ``KeyError`` if unknown."""
    return EVENTS[event_type]
