"""Events between relay-service and marketplace-vinted: plugin presence, the Vinted session, jobs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from vitrine_contracts.common import Money
from vitrine_contracts.envelope import Event
from vitrine_contracts.relay.v1 import JobError, JobKind, ReferenceKind, VintedCall, VintedSession


class _Entry(BaseModel):
    """A reference entry: unknown fields ignored (Vinted adds fields freely)."""

    model_config = ConfigDict(extra="ignore")


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


class VintedNamed(_Entry):
    """A brand or a condition (``status_id``) as Vinted lists it."""

    id: int
    title: str


class VintedColour(_Entry):
    id: int
    title: str
    hex: str | None = None


class VintedCatalogEntry(_Entry):
    """One node of Vinted's catalog tree, flattened: items can only be listed in a ``leaf``."""

    id: int
    title: str
    parent_id: int | None = None
    path: list[str] = Field(default_factory=list, description="Titles from the root down, this one last")
    leaf: bool = True
    size_group_ids: list[int] = Field(
        default_factory=list, description="Where this catalog's sizes come from"
    )


class VintedSize(_Entry):
    id: int
    title: str = Field(description='As Vinted shows it: "M / 38 / 10", "W32", "One size"')


class VintedSizeGroup(_Entry):
    id: int
    title: str = ""
    sizes: list[VintedSize] = Field(default_factory=list)


class VintedPackageSize(_Entry):
    id: int
    title: str
    recommended: bool = False


class VintedReferencePart(_Entry):
    """Which part of one fetch of a whole list an event carries (a refresh fetches each list in parts)."""

    fetch_id: uuid.UUID = Field(description="One fetch of one list: every part of it shares the id")
    offset: int = Field(ge=0, description="The index of the part's first entry in the whole list")
    count: int = Field(ge=0)
    total: int = Field(ge=0, description="How many entries the whole list has")
    snapshot: str = Field(description="The plugin's digest of the whole list")


class VintedReferenceFetched(Event):
    """Vinted's answer to one reference fetch, read through a seller's plugin and normalised: only the list
    named by ``what`` is filled. Catalog keeps them as its Vinted mappings (the data is the same for every
    seller; the tenant is the one whose plugin fetched it).

    With ``part``, the event is one part of a fetch of the whole list (each event within the size a plugin
    part is asked for): once every part of a fetch with neither ``keyword`` nor ``catalog_id`` has arrived,
    the list is complete and an id it no longer has is retired. Without ``part``, a whole answer as it
    came, never taken as complete."""

    event_type = "marketplace.vinted.reference.fetched"
    what: ReferenceKind
    catalog_id: int | None = Field(default=None, description="The catalog asked about (package sizes, sizes)")
    keyword: str | None = Field(default=None, description="A brand search's keyword: a partial brand list")
    fetched_at: datetime
    catalogs: list[VintedCatalogEntry] = Field(default_factory=list)
    brands: list[VintedNamed] = Field(default_factory=list)
    colors: list[VintedColour] = Field(default_factory=list)
    conditions: list[VintedNamed] = Field(default_factory=list)
    size_groups: list[VintedSizeGroup] = Field(default_factory=list)
    package_sizes: list[VintedPackageSize] = Field(default_factory=list)
    part: VintedReferencePart | None = None
