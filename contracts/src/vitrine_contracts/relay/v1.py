"""Relay protocol v1: the Socket.IO messages between the browser plugin and relay-service.

Namespace ``/plugin/v1`` on path ``/socket.io``. ``contracts/relay/README.md`` describes the exchange; the
JSON Schemas in ``contracts/relay/schemas/`` are generated from these models.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PROTOCOL_VERSION = 1
NAMESPACE = "/plugin/v1"
SOCKETIO_PATH = "socket.io"


class _Message(BaseModel):
    # Tolerant reader: a newer plugin or server may add optional fields.
    model_config = ConfigDict(extra="ignore")


# --- connection ---------------------------------------------------------------------------------------


class ConnectAuth(_Message):
    """The Socket.IO ``auth`` object sent with the connect packet."""

    token: str = Field(description="The plugin token from the pairing flow (JWT, scope 'plugin').")
    protocol_version: int = Field(default=PROTOCOL_VERSION, ge=1)


RefusalCode = Literal[
    "missing-token",
    "invalid-token",
    "expired-token",
    "wrong-scope",
    "revoked",
    "protocol-unsupported",
    "auth-unavailable",
    "draining",
]


class ConnectRefused(_Message):
    """The ``data`` of a ``connect_error``: why the relay refused the connection."""

    code: RefusalCode
    message: str
    retry: bool = Field(description="Whether reconnecting later, with the same token, may succeed.")


class VintedSession(_Message):
    """The Vinted session the plugin sees in the seller's browser."""

    logged_in: bool
    user_id: int | None = Field(default=None, description="Vinted user id (claim of access_token_web)")
    login: str | None = None
    domain: str | None = Field(default=None, description="e.g. www.vinted.fr; a session only works there")
    checked_at: datetime | None = None


class Hello(_Message):
    """``plugin.hello`` (plugin → relay, with ack): sent once after connect; no job arrives before it."""

    protocol_version: int = PROTOCOL_VERSION
    plugin_version: str
    capabilities: list[str] = Field(default_factory=list, description="Job kinds the plugin can run")
    vinted: VintedSession | None = None


class Welcome(_Message):
    """The ack of ``plugin.hello``."""

    protocol_version: int = PROTOCOL_VERSION
    connection_id: str
    tenant_id: uuid.UUID
    device_id: uuid.UUID
    max_in_flight: int
    ack_timeout_s: float
    heartbeat_interval_s: float
    server_time: datetime


class Heartbeat(_Message):
    """``plugin.heartbeat`` (plugin → relay, with ack) every ``heartbeat_interval_s``."""

    sent_at: datetime
    in_flight: list[uuid.UUID] = Field(default_factory=list)
    vinted: VintedSession | None = None


class HeartbeatAck(_Message):
    server_time: datetime


# --- jobs -----------------------------------------------------------------------------------------------


class JobKind(StrEnum):
    """What a job asks the plugin to do in the seller's Vinted tab."""

    FETCH_REFERENCE = "fetch_reference"
    PUBLISH = "publish"
    UPDATE = "update"
    DELIST = "delist"
    SYNC_WARDROBE = "sync_wardrobe"
    SYNC_SALES = "sync_sales"
    FETCH_ITEM = "fetch_item"


WRITE_KINDS = frozenset({JobKind.PUBLISH, JobKind.UPDATE, JobKind.DELIST})


class PhotoRef(_Message):
    url: str = Field(description="A fetchable JPEG (signed URL); the plugin uploads its bytes to /photos")


class PublishParams(_Message):
    """``publish``: upload every photo (one shared temp_uuid), then POST /item_upload/items."""

    photos: list[PhotoRef] = Field(min_length=1)
    item: dict[str, Any] = Field(description="The Vinted item body without temp_uuid and assigned_photos")


class UpdateParams(_Message):
    """``update``: PUT /item_upload/items/{item_id}; ``photos`` only when they changed."""

    item_id: int
    item: dict[str, Any]
    photos: list[PhotoRef] = Field(default_factory=list)


class DelistParams(_Message):
    """``delist``: POST /items/{item_id}/delete; a 404 means already gone and counts as success."""

    item_id: int


class SyncWardrobeParams(_Message):
    """``sync_wardrobe``: every page of /wardrobe/{user_id}/items; then /items/{id} for each known id missing."""

    per_page: int = Field(default=96, le=96)
    known_item_ids: list[int] = Field(default_factory=list)


class SyncSalesParams(_Message):
    """``sync_sales``: /my_orders?type=sold&status=...; pages until one older than ``since`` or empty."""

    status: Literal["all", "in_progress", "completed", "canceled"] = "all"
    per_page: int = Field(default=100, le=100)
    max_pages: int = 5


class FetchReferenceParams(_Message):
    """``fetch_reference``: one reference endpoint (catalogs, brands, colors, conditions, size_groups, package_sizes)."""

    what: Literal["catalogs", "brands", "colors", "conditions", "size_groups", "package_sizes"]
    catalog_id: int | None = None
    keyword: str | None = None


class FetchItemParams(_Message):
    """``fetch_item``: GET /item_upload/items/{item_id} (edit shape, with photo URLs) for link/import."""

    item_id: int


JOB_PARAMS: dict[JobKind, type[_Message]] = {
    JobKind.PUBLISH: PublishParams,
    JobKind.UPDATE: UpdateParams,
    JobKind.DELIST: DelistParams,
    JobKind.SYNC_WARDROBE: SyncWardrobeParams,
    JobKind.SYNC_SALES: SyncSalesParams,
    JobKind.FETCH_REFERENCE: FetchReferenceParams,
    JobKind.FETCH_ITEM: FetchItemParams,
}


class JobDeliver(_Message):
    """``job.deliver`` (relay → plugin, with ack = ``JobAck``)."""

    job_id: uuid.UUID = Field(description="Stable across redeliveries: the plugin's idempotency key")
    kind: JobKind
    attempt: int = Field(ge=1, description="Delivery attempt; >1 means it may have run before")
    deadline_s: float = Field(description="Seconds the plugin has to send job.result")
    params: dict[str, Any] = Field(description="One of the *Params models, by kind")


class JobAck(_Message):
    """The ack of ``job.deliver``: accepted (will run, or already ran and the result follows) or refused."""

    job_id: uuid.UUID
    accepted: bool
    reason: str | None = Field(default=None, description="When refused: busy, unsupported, no-vinted-tab…")


class VintedCall(_Message):
    """One HTTP call the plugin made to Vinted while running a job."""

    method: str
    path: str = Field(description="Relative to /api/v2, query included")
    status: int | None = Field(description="HTTP status; null when no response came (network error)")
    duration_ms: int = 0
    error_code: int | None = Field(default=None, description="Vinted's body 'code' (99 validation, 106 CSRF)")


class JobProgress(_Message):
    """``job.progress`` (plugin → relay, no ack needed)."""

    job_id: uuid.UUID
    step: str
    done: int | None = None
    total: int | None = None
    call: VintedCall | None = None


ErrorCode = Literal[
    "session_expired",
    "csrf",
    "datadome",
    "rate_limited",
    "validation",
    "not_found",
    "network",
    "no_vinted_tab",
    "unsupported",
    "plugin_error",
]


class JobError(_Message):
    code: ErrorCode
    message: str
    http_status: int | None = None
    retry_after_s: float | None = None
    fields: dict[str, str] = Field(default_factory=dict, description="Validation errors by field")


class JobResult(_Message):
    """``job.result`` (plugin → relay, with ack = ``ResultAck``); resent until acked."""

    job_id: uuid.UUID
    outcome: Literal["succeeded", "failed"]
    calls: list[VintedCall] = Field(default_factory=list)
    data: dict[str, Any] = Field(default_factory=dict)
    error: JobError | None = None
    finished_at: datetime
    replayed: bool = Field(default=False, description="True when answered from the plugin's job journal")


class ResultAck(_Message):
    job_id: uuid.UUID
    accepted: bool = Field(description="False when the job is not this connection's (spoofed or unknown)")


# Result data of the jobs that return some (``JobResult.data``).


class PublishData(_Message):
    item_id: int
    url: str | None = None
    photo_ids: list[int] = Field(default_factory=list)


class WardrobeItem(_Message):
    id: int
    title: str | None = None
    price: str | None = None
    currency: str | None = None
    is_closed: bool = False
    is_hidden: bool = False
    is_reserved: bool = False
    item_closing_action: Literal["sold", "deleted"] | None = None
    url: str | None = None


class WardrobeData(_Message):
    items: list[WardrobeItem] = Field(default_factory=list)
    missing: list[WardrobeItem] = Field(
        default_factory=list, description="Known ids not in the wardrobe, as /items/{id} reports them"
    )


class SoldOrder(_Message):
    transaction_id: int
    item_id: int
    title: str | None = None
    price: str
    currency: str
    status: str | None = None
    buyer: str | None = None
    date: datetime | None = None


class SalesData(_Message):
    orders: list[SoldOrder] = Field(default_factory=list)


# Every message with its event name and direction, for the schema generator and the README.
MESSAGES: dict[str, tuple[type[BaseModel], str]] = {
    "connect.auth": (ConnectAuth, "plugin → relay (Socket.IO auth)"),
    "connect_error": (ConnectRefused, "relay → plugin"),
    "plugin.hello": (Hello, "plugin → relay, ack Welcome"),
    "plugin.hello.ack": (Welcome, "relay → plugin"),
    "plugin.heartbeat": (Heartbeat, "plugin → relay, ack HeartbeatAck"),
    "plugin.heartbeat.ack": (HeartbeatAck, "relay → plugin"),
    "vinted.session": (VintedSession, "plugin → relay"),
    "job.deliver": (JobDeliver, "relay → plugin, ack JobAck"),
    "job.ack": (JobAck, "plugin → relay (ack of job.deliver)"),
    "job.progress": (JobProgress, "plugin → relay"),
    "job.result": (JobResult, "plugin → relay, ack ResultAck"),
    "job.result.ack": (ResultAck, "relay → plugin"),
    "params.publish": (PublishParams, "JobDeliver.params"),
    "params.update": (UpdateParams, "JobDeliver.params"),
    "params.delist": (DelistParams, "JobDeliver.params"),
    "params.sync_wardrobe": (SyncWardrobeParams, "JobDeliver.params"),
    "params.sync_sales": (SyncSalesParams, "JobDeliver.params"),
    "params.fetch_reference": (FetchReferenceParams, "JobDeliver.params"),
    "params.fetch_item": (FetchItemParams, "JobDeliver.params"),
    "data.publish": (PublishData, "JobResult.data"),
    "data.sync_wardrobe": (WardrobeData, "JobResult.data"),
    "data.sync_sales": (SalesData, "JobResult.data"),
}
