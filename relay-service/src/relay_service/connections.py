"""The plugin sockets on this replica: who they are, what they hold, how fast they may talk."""

from __future__ import annotations

import uuid
from collections import deque
from dataclasses import dataclass, field

from vitrine_contracts.relay.v1 import RelayError, VintedSession
from vitrine_contracts.vinted import VintedJobDispatch

from relay_service.auth import PluginIdentity
from relay_service.config import Settings
from relay_service.limits import TokenBucket


@dataclass
class Connection:
    """One plugin socket on this replica; ``ready`` once its hello was welcomed."""

    sid: str
    identity: PluginIdentity
    token: str  # kept to re-check the device at auth-service when it says hello
    messages: TokenBucket
    results: TokenBucket
    connection_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    ready: bool = False
    vinted: VintedSession | None = None
    in_flight: dict[uuid.UUID, VintedJobDispatch] = field(default_factory=dict)
    waiting: deque[VintedJobDispatch] = field(default_factory=deque)

    @classmethod
    def open(cls, sid: str, identity: PluginIdentity, token: str, settings: Settings) -> Connection:
        return cls(
            sid,
            identity,
            token,
            messages=TokenBucket(settings.message_rate_per_s, settings.message_burst),
            results=TokenBucket(settings.result_rate_per_s, settings.result_burst),
        )

    @property
    def tenant_id(self) -> uuid.UUID:
        return self.identity.tenant_id

    @property
    def device_id(self) -> uuid.UUID:
        return self.identity.device_id

    def welcome(self, vinted: VintedSession | None) -> None:
        """Its hello was accepted: jobs may go to it."""
        self.ready, self.vinted = True, vinted

    def over_limit(self, *, result: bool = False, job_id: uuid.UUID | None = None) -> RelayError | None:
        """Take a token for one message (and one for a result); the error to answer when there is none."""
        wait = self.messages.take()
        if not wait and result:
            wait = self.results.take()
        if not wait:
            return None
        return RelayError(
            code="rate-limited",
            message="too many messages on this socket; send again later",
            retry_after_s=round(wait, 3),
            job_id=job_id,
        )
