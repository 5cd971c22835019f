"""Each tenant's e-mail choices, kept in memory for a short while: every item asks for them, few change them."""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict

from vitrine_contracts.notifications import FeedKind

from notification_service.preferences.schemas import KindPreference

Choices = dict[FeedKind, KindPreference]


class PreferenceCache:
    """At most ``size`` tenants for ``ttl_s`` each; a change made on this replica is seen at once, one made
    on another replica within ``ttl_s``."""

    def __init__(self, ttl_s: float, size: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self.size = size
        self._entries: OrderedDict[uuid.UUID, tuple[float, Choices]] = OrderedDict()

    def get(self, tenant_id: uuid.UUID) -> Choices | None:
        entry = self._entries.get(tenant_id)
        if entry is None or entry[0] < time.monotonic():
            return None
        self._entries.move_to_end(tenant_id)
        return entry[1]

    def put(self, tenant_id: uuid.UUID, choices: Choices) -> None:
        self._entries[tenant_id] = (time.monotonic() + self.ttl_s, choices)
        self._entries.move_to_end(tenant_id)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def forget(self, tenant_id: uuid.UUID) -> None:
        self._entries.pop(tenant_id, None)
