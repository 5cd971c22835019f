"""Per tenant: the plugin's job queue."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import DateTime, Integer, String
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_contracts.relay.v1 import JobKind
from vitrine_kit import tracing
from vitrine_kit.db.base import utcnow
from vitrine_kit.logging import request_id_var

from marketplace_vinted.models.base import TenantBase, enum_column
from marketplace_vinted.models.enums import FINISHED, JobStatus


class JobContext(BaseModel):
    """Why a job exists, beside its params (the ``context`` column): what to do with its result."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    publication_id: uuid.UUID | None = None
    product_id: uuid.UUID | None = None
    attempt: int | None = Field(default=None, description="The publication's attempt the job acts for")
    media_ids: list[uuid.UUID | None] = Field(
        default_factory=list,
        description="The photos' media ids, in order: signed again when the job goes out",
    )
    imported: bool = Field(default=False, alias="import", description="fetch_item: import as a new product")
    link_listing_id: uuid.UUID | None = Field(
        default=None, description="fetch_item: check this linked listing"
    )
    reference_fetch: uuid.UUID | None = Field(
        default=None, description="fetch_reference in parts: the fetch of one whole list it is a part of"
    )
    refresh_run: uuid.UUID | None = Field(
        default=None, description="fetch_reference: the scheduled refresh run it belongs to"
    )
    restarts: int = Field(default=0, description="fetch_reference: times the list changed mid-fetch")
    part: int = Field(default=0, description="fetch_reference in parts: the part's index in its fetch")
    trace: dict[str, str] = Field(
        default_factory=dict, description="The W3C trace context of the flow that queued the job"
    )
    request_id: str | None = Field(default=None, description="The request id of the flow that queued the job")

    def in_current_flow(self) -> JobContext:
        """This context with the trace context and request id of the flow queuing the job, which its
        dispatch and its result continue."""
        return self.model_copy(update={"trace": tracing.inject(), "request_id": request_id_var.get()})

    @contextlib.contextmanager
    def flow(self, name: str) -> Iterator[None]:
        """A span ``name`` in the trace that queued the job (linked to the current one), with its request id."""
        token = request_id_var.set(self.request_id) if self.request_id else None
        try:
            with tracing.span(name, parent=self.trace or None, links=[tracing.inject()]):
                yield
        finally:
            if token is not None:
                request_id_var.reset(token)

    def stored(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_defaults=True)


class Job(TenantBase):
    """A unit of work for the plugin; its id is the job id the plugin sees (stable across redeliveries)."""

    __tablename__ = "jobs"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[JobKind] = mapped_column(enum_column(JobKind, 32))
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus, 16), default=JobStatus.QUEUED)
    priority: Mapped[int] = mapped_column(Integer, default=5)  # lower first; delists are 0
    params: Mapped[dict[str, Any]] = mapped_column(JSONB)
    context: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    device_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    calls: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)

    @property
    def meta(self) -> JobContext:
        return JobContext.model_validate(self.context or {})

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def dispatch_to(self, device_id: uuid.UUID, now: datetime, lease_s: float) -> None:
        """Handed to a plugin: another attempt, leased until a result or the lease's end."""
        self.status, self.device_id, self.attempt = JobStatus.DISPATCHED, device_id, self.attempt + 1
        self.dispatched_at, self.lease_until = now, now + timedelta(seconds=lease_s)

    def requeue(self, at: datetime) -> None:
        """Back in the queue (not delivered, lease over, plugin gone), due at ``at``."""
        self.status, self.not_before = JobStatus.QUEUED, at

    def retry_later(self, at: datetime, error: dict[str, Any], calls: list[dict[str, Any]]) -> None:
        """The plugin failed in a way that passes (rate limit, session, network): queued again."""
        self.requeue(at)
        self.error, self.calls = error, calls

    def succeed(self, data: dict[str, Any], calls: list[dict[str, Any]], now: datetime) -> None:
        self.status, self.completed_at = JobStatus.SUCCEEDED, now
        self.result, self.calls, self.error = data, calls, None

    def fail(
        self,
        error: dict[str, Any],
        calls: list[dict[str, Any]],
        now: datetime,
        data: dict[str, Any] | None = None,
    ) -> None:
        """Finished without effect; ``data`` keeps what a plugin sent that Vitrine could not read."""
        self.status, self.completed_at = JobStatus.FAILED, now
        self.error, self.calls, self.result = error, calls, data

    def cancel(self, now: datetime) -> None:
        self.status, self.completed_at = JobStatus.CANCELED, now


class ReferenceAsk(TenantBase):
    """When the seller last asked for one reference list (``what:catalog_id``): asks of one list are taken one
    at a time (the row is locked) and at most once a ``REFERENCE_MANUAL_COOLDOWN_S``."""

    __tablename__ = "reference_asks"
    list_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    asked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
