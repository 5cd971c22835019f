"""Devices revoked at auth-service, as ``plugin.revoked`` told this replica: kept for ``ttl_s`` so that a socket
opened with a still-unexpired token is refused at connect, at hello and on every result."""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict


class RevokedDevices:
    """A bounded set with expiry (oldest forgotten first); auth-service's introspection stays the authority
    at connect for what this replica never heard of (it started after the revocation)."""

    def __init__(self, ttl_s: float, max_entries: int = 100_000) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._until: OrderedDict[uuid.UUID, float] = OrderedDict()

    def add(self, device_id: uuid.UUID) -> None:
        self._until[device_id] = time.monotonic() + self.ttl_s
        self._until.move_to_end(device_id)
        while len(self._until) > self.max_entries:
            self._until.popitem(last=False)

    def __contains__(self, device_id: object) -> bool:
        if not isinstance(device_id, uuid.UUID):
            return False
        until = self._until.get(device_id)
        if until is None:
            return False
        if until < time.monotonic():
            del self._until[device_id]
            return False
        return True

    def expire(self) -> None:
        """Forget the entries past their time."""
        now = time.monotonic()
        while self._until and next(iter(self._until.values())) < now:
            self._until.popitem(last=False)

    def __len__(self) -> int:
        return len(self._until)
