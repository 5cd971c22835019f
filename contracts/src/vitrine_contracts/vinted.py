"""Events between relay-service and marketplace-vinted: plugin presence, the Vinted session, jobs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from vitrine_contracts.common import Money
from vitrine_contracts.envelope import Event
from vitrine_contracts.relay.v1 import JobError, JobKind, VintedCall, VintedSession


class PluginConnected(Event):
    """A plugin finished its hello on a relay replica; jobs for it go to ``relay_instance``."""

    event_type = "plugin.connected"
    tenant_id: uuid.UUID
    device_id: uuid.UUID
    relay_instance: str
    connection_id: str
    plugin_version: str | None = None
    capabilities: list[str] = Field(default_factory=list)
    vinted: VintedSession | None = None
    max_in_flight: int = 2
    connected_at: datetime


class PluginDisconnected(Event):
    """A plugin's socket closed (or the relay drained it); ``in_flight`` jobs had no result yet."""

    event_type = "plugin.disconnected"
    tenant_id: uuid.UUID
    device_id: uuid.UUID
    relay_instance: str
    connection_id: str
    reason: str
    in_flight: list[uuid.UUID] = Field(default_factory=list)
    disconnected_at: datetime


class RelayReplicaAlive(Event):
    """A relay replica is up; sent every ``interval_s`` (no tenant). A replica silent for longer than
    marketplace-vinted's ``REPLICA_TIMEOUT_S`` is taken for dead: its devices go offline and their jobs are
    queued again (a replica killed without draining sends no ``plugin.disconnected``)."""

    event_type = "relay.replica.alive"
    relay_instance: str
    interval_s: float
    connections: int = 0
    sent_at: datetime


class VintedSessionReported(Event):
    """The plugin told what Vinted session it sees (at hello, on change, in heartbeats when it changed)."""

    event_type = "vinted.session.reported"
    tenant_id: uuid.UUID
    device_id: uuid.UUID
    session: VintedSession


class VintedJobDispatch(Event):
    """marketplace-vinted hands one job to the relay replica holding the chosen plugin's socket.

    Routed as ``vinted.job.dispatch.<relay_instance>``: each replica binds only its own key.
    """

    event_type = "vinted.job.dispatch"
    job_id: uuid.UUID
    tenant_id: uuid.UUID
    device_id: uuid.UUID
    relay_instance: str
    kind: JobKind
    attempt: int = Field(ge=1)
    deadline_s: float = 120.0
    params: dict[str, Any] = Field(description="The kind's params model (relay.v1.parse_params), as JSON")

    def routing_key(self) -> str:
        return f"{self.event_type}.{self.relay_instance}"


class VintedJobCompleted(Event):
    """The relay's report of a job: the plugin's result, or ``undelivered`` (no ack, refused, socket gone)."""

    event_type = "vinted.job.completed"
    job_id: uuid.UUID
    tenant_id: uuid.UUID
    device_id: uuid.UUID
    outcome: Literal["succeeded", "failed", "undelivered"]
    result_id: uuid.UUID | None = Field(
        default=None, description="The plugin's id of this answer, if it sent one"
    )
    calls: list[VintedCall] = Field(default_factory=list)
    data: dict[str, Any] = Field(
        default_factory=dict,
        description="As the plugin sent it; marketplace-vinted parses it by the job's kind",
    )
    error: JobError | None = None
    reason: str | None = Field(default=None, description="Why undelivered: ack-timeout, refused:<why>, gone")
    replayed: bool = False


class VintedItemImported(Event):
    """A Vinted item to create as a new catalog product (photos as URLs the media service can fetch)."""

    event_type = "vinted.item.imported"
    vinted_item_id: int
    title: str
    description: str = ""
    price: Money
    catalog_id: int | None = None
    brand_id: int | None = None
    brand: str | None = None
    status_id: int | None = None
    size_id: int | None = None
    color_ids: list[int] = Field(default_factory=list)
    photo_urls: list[str] = Field(default_factory=list)
    url: str | None = None
