"""Relay protocol v1: the Socket.IO messages between the browser plugin and relay-service.

Namespace ``/plugin/v1`` on path ``/socket.io``. ``contracts/relay/README.md`` describes the exchange; the
JSON Schemas in ``contracts/relay/schemas/`` are generated from these models.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from vitrine_contracts.relay.v1_jobs import (
    JOB_DATA,
    JOB_PARAMS,
    MAX_PART_BYTES,
    MAX_REFERENCE_TOTAL,
    MIN_PART_BYTES,
    WRITE_KINDS,
    DelistData,
    DelistParams,
    ErrorCode,
    FetchItemData,
    FetchItemParams,
    FetchReferenceParams,
    ItemAttribute,
    ItemBody,
    ItemPhoto,
    JobData,
    JobError,
    JobKind,
    JobParams,
    PhotoRef,
    PublishData,
    PublishParams,
    ReferenceData,
    ReferenceKind,
    ReferencePart,
    SalesData,
    SoldItem,
    SoldOrder,
    SyncSalesParams,
    SyncWardrobeParams,
    UpdateData,
    UpdateParams,
    VintedCall,
    VintedItem,
    WardrobeData,
    WardrobeItem,
    flatten_catalogs,
    parse_data,
    parse_params,
)

__all__ = [
    "JOB_DATA",
    "JOB_PARAMS",
    "MAX_PART_BYTES",
    "MAX_REFERENCE_TOTAL",
    "MESSAGES",
    "MIN_PART_BYTES",
    "NAMESPACE",
    "PROTOCOL_VERSION",
    "SOCKETIO_PATH",
    "WRITE_KINDS",
    "ConnectAuth",
    "ConnectRefused",
    "DelistData",
    "DelistParams",
    "ErrorCode",
    "FetchItemData",
    "FetchItemParams",
    "FetchReferenceParams",
    "Heartbeat",
    "HeartbeatAck",
    "Hello",
    "ItemAttribute",
    "ItemBody",
    "ItemPhoto",
    "JobAck",
    "JobData",
    "JobDeliver",
    "JobError",
    "JobKind",
    "JobParams",
    "JobProgress",
    "JobResult",
    "PhotoRef",
    "PublishData",
    "PublishParams",
    "ReferenceData",
    "ReferenceKind",
    "ReferencePart",
    "RefusalCode",
    "RelayError",
    "RelayErrorCode",
    "ResultAck",
    "SalesData",
    "SoldItem",
    "SoldOrder",
    "SyncSalesParams",
    "SyncWardrobeParams",
    "UpdateData",
    "UpdateParams",
    "VintedCall",
    "VintedItem",
    "VintedSession",
    "WardrobeData",
    "WardrobeItem",
    "Welcome",
    "flatten_catalogs",
    "parse_data",
    "parse_params",
]

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


# --- jobs (kinds, params and data in v1_jobs) ----------------------------------------------------------


class JobDeliver(_Message):
    """``job.deliver`` (relay → plugin, with ack = ``JobAck``)."""

    job_id: uuid.UUID = Field(description="Stable across redeliveries: the plugin's idempotency key")
    kind: JobKind
    attempt: int = Field(ge=1, description="Delivery attempt; >1 means it may have run before")
    deadline_s: float = Field(description="Seconds the plugin has to send job.result")
    params: dict[str, Any] = Field(description="One of the *Params models, by kind (parse_params)")


class JobAck(_Message):
    """The ack of ``job.deliver``: accepted (will run, or already ran and the result follows) or refused."""

    job_id: uuid.UUID
    accepted: bool
    reason: str | None = Field(default=None, description="When refused: busy, unsupported, no-vinted-tab…")


class JobProgress(_Message):
    """``job.progress`` (plugin → relay, no ack needed)."""

    job_id: uuid.UUID
    step: str
    done: int | None = None
    total: int | None = None
    call: VintedCall | None = None


class JobResult(_Message):
    """``job.result`` (plugin → relay, with ack = ``ResultAck``); resent until acked."""

    job_id: uuid.UUID
    result_id: uuid.UUID | None = Field(
        default=None,
        description="This answer's id: the same on every resend of it, a new one for a replay from the "
        "journal. The relay publishes each (job_id, result_id) once; without it, a digest of the message.",
    )
    outcome: Literal["succeeded", "failed"]
    calls: list[VintedCall] = Field(default_factory=list)
    data: dict[str, Any] = Field(default_factory=dict, description="One of the *Data models, by kind")
    error: JobError | None = Field(default=None, description="Required when outcome is failed")
    finished_at: datetime
    replayed: bool = Field(default=False, description="True when answered from the plugin's job journal")


class ResultAck(_Message):
    job_id: uuid.UUID
    accepted: bool = Field(description="False when the job is not this connection's (spoofed or unknown)")


RelayErrorCode = Literal["rate-limited", "revoked", "invalid-message", "not-ready"]


class RelayError(_Message):
    """The relay's answer to a message it will not act on: the ack of that message when it asked for one
    (in place of ``Welcome``, ``HeartbeatAck`` or ``ResultAck``), else a ``relay.error`` event. Tell it from a
    normal ack by its ``code``."""

    code: RelayErrorCode
    message: str
    retry_after_s: float | None = Field(default=None, description="rate-limited: send again after this")
    job_id: uuid.UUID | None = Field(default=None, description="The job of a refused job.result")


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
    "relay.error": (RelayError, "relay → plugin: the ack of a refused message, or an event"),
    "params.publish": (PublishParams, "JobDeliver.params"),
    "params.update": (UpdateParams, "JobDeliver.params"),
    "params.delist": (DelistParams, "JobDeliver.params"),
    "params.sync_wardrobe": (SyncWardrobeParams, "JobDeliver.params"),
    "params.sync_sales": (SyncSalesParams, "JobDeliver.params"),
    "params.fetch_reference": (FetchReferenceParams, "JobDeliver.params"),
    "params.fetch_item": (FetchItemParams, "JobDeliver.params"),
    "data.publish": (PublishData, "JobResult.data"),
    "data.update": (UpdateData, "JobResult.data"),
    "data.delist": (DelistData, "JobResult.data"),
    "data.fetch_item": (FetchItemData, "JobResult.data"),
    "data.fetch_reference": (ReferenceData, "JobResult.data"),
    "data.sync_wardrobe": (WardrobeData, "JobResult.data"),
    "data.sync_sales": (SalesData, "JobResult.data"),
}
